import assert from "node:assert/strict";
import { test } from "node:test";
import { countTokens } from "../tokens.js";
import { localChatCompletion, RULES_INSTRUCTION } from "./chat.js";
import { src } from "./spec-helpers.js";

const CODE = src(
  "import { exec } from 'child_process';",
  "const apiKey = 'k9Fq2LmZ8xW4';",
  "export function run(cmd) {",
  "  exec('sh -c ' + cmd);",
  "  if (cmd == 'x') console.log(cmd);",
  "  try { eval(cmd); } catch (e) {}",
  "  var unused = 1;",
  "}",
);
const reviewPrompt = (withPath: boolean) => [
  { role: "system", content: 'You are a meticulous code reviewer. Return JSON {"findings": [...]}.' },
  { role: "user", content: src(...(withPath ? ["Path: src/run.js"] : []), "```js", CODE, "```") },
];

interface Out {
  findings: Array<Record<string, unknown>>;
}

test("review prompts get JSON findings", () => {
  const res = localChatCompletion({
    model: "local",
    messages: reviewPrompt(true),
    temperature: 0.7,
    response_format: { type: "json_object" },
  });
  assert.equal(res.finishReason, "stop");
  const out = JSON.parse(res.content) as Out;
  assert.ok(out.findings.length >= 6);
  for (const f of out.findings) {
    assert.equal(f.path, "src/run.js");
    assert.equal(typeof f.line, "number");
    for (const k of ["severity", "rule", "category", "message"]) assert.equal(typeof f[k], "string", k);
  }
  assert.ok(out.findings.some((f) => f.rule === "security/command-injection" && f.line === 4));
});

test("path is omitted when the prompt does not name the file", () => {
  const out = JSON.parse(localChatCompletion({ model: "local", messages: reviewPrompt(false) }).content) as Out;
  assert.ok(out.findings.length > 0);
  assert.ok(out.findings.every((f) => !("path" in f)));
});

test("deterministic regardless of temperature", () => {
  const a = localChatCompletion({ model: "local", messages: reviewPrompt(true), temperature: 0 });
  const b = localChatCompletion({ model: "local", messages: reviewPrompt(true), temperature: 1.5 });
  assert.deepEqual(a, b);
});

test("max_tokens keeps valid JSON with the most severe findings and reports length", () => {
  const full = JSON.parse(localChatCompletion({ model: "gpt-4o", messages: reviewPrompt(true) }).content) as Out;
  const res = localChatCompletion({ model: "gpt-4o", messages: reviewPrompt(true), max_tokens: 120 });
  assert.equal(res.finishReason, "length");
  assert.ok(countTokens(res.content, "gpt-4o") <= 120);
  const out = JSON.parse(res.content) as Out;
  assert.ok(out.findings.length > 0 && out.findings.length < full.findings.length);
  assert.ok(
    out.findings.some((f) => f.severity === "critical"),
    "keeps the critical finding",
  );
  const lines = out.findings.map((f) => f.line as number);
  assert.deepEqual(
    [...lines].sort((x, y) => x - y),
    lines,
    "still sorted by line",
  );
});

test("tiny max_tokens hard-truncates", () => {
  const res = localChatCompletion({ model: "local", messages: reviewPrompt(true), max_tokens: 3 });
  assert.equal(res.finishReason, "length");
  assert.ok(countTokens(res.content) <= 3);
});

test("non-review prompts get a short deterministic description", () => {
  const req = { model: "local", messages: [{ role: "user", content: "What can you do?" }] };
  const a = localChatCompletion(req);
  assert.equal(a.finishReason, "stop");
  assert.match(a.content, /fenced block/);
  assert.match(a.content, /What can you do\?/);
  assert.deepEqual(localChatCompletion(req), a);
  const cut = localChatCompletion({ ...req, max_tokens: 5 });
  assert.equal(cut.finishReason, "length");
  assert.ok(a.content.startsWith(cut.content));
});

test("JSON mode without code still returns valid JSON", () => {
  const res = localChatCompletion({
    model: "local",
    messages: [{ role: "user", content: "Summarise the PR" }],
    response_format: { type: "json_object" },
  });
  const out = JSON.parse(res.content) as Out & { message: string };
  assert.deepEqual(out.findings, []);
  assert.equal(typeof out.message, "string");
});

test("a rules allow-list in the system message limits the findings to those rules or categories", () => {
  const code = "```js src/a.js\nvar x = 1;\nif (x == 2) { eval('x'); }\n```";
  const ask = (system?: string) =>
    (
      JSON.parse(
        localChatCompletion({
          model: "local-reviewer",
          messages: [...(system ? [{ role: "system", content: system }] : []), { role: "user", content: code }],
        }).content,
      ) as { findings: { rule: string; category: string }[] }
    ).findings;
  assert.ok(
    ask().some((f) => f.category !== "security"),
    "without a list every rule applies",
  );
  const limited = ask(`Review it.\n${RULES_INSTRUCTION} security.`);
  assert.ok(limited.length > 0);
  assert.ok(
    limited.every((f) => f.category === "security"),
    JSON.stringify(limited),
  );
});
