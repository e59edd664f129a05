import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { describe, it } from "node:test";
import { createLogger } from "@crm/kit";
import { exportJWK, generateKeyPair } from "jose";
import { JwksStore } from "./jwks.js";

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe("JWKS store", () => {
  it("when auth comes up after the gateway, the keys load within a second, not at the next refresh period", async () => {
    const port = await freePort();
    const store = new JwksStore({
      url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      algorithms: ["EdDSA"],
      refreshMs: 300_000,
      refetchCooldownMs: 5000,
      logger: createLogger({ name: "t", level: "silent" }),
    });
    store.start();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(store.loaded, false);
    const { publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "EdDSA", use: "sig" };
    const auth = http.createServer((_req, res) =>
      res.setHeader("content-type", "application/json").end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((r) => auth.listen(port, "127.0.0.1", r));
    try {
      for (let i = 0; i < 30 && !store.loaded; i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(store.loaded, true);
      assert.equal(store.size, 1);
    } finally {
      store.stop();
      auth.close();
    }
  });
});
