import { spawnSync } from "node:child_process";
import os from "node:os";

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  node: string;
  os: string;
  date: string;
  loadAverage: number[];
  commit?: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  const git = spawnSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" });
  const info: MachineInfo = {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
  if (git.status === 0) info.commit = git.stdout.trim();
  return info;
}

export function describeMachine(m: MachineInfo): string {
  return `${m.cpuModel}, ${m.cores} cores, ${(m.memoryBytes / 1024 ** 3).toFixed(1)} GiB, Node ${m.node}, ${m.os}, ${m.date}${m.commit ? `, commit ${m.commit}` : ""}, load average at start ${m.loadAverage.join(" / ")}`;
}
