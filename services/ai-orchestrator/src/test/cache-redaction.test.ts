import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { ADMIN, startMesh, userMessage, type Mesh } from "./harness.js";

const SECRETS = {
  openai: "sk-proj-Zq8vN3xR7tY2wK9pL4mB6cD1fG5hJ0aS3eU8iO2u",
  db: "postgres://app:Pa55w0rdInUrl@db.internal:5432/prod",
  aws: "AKIAZ5GMHYJKLMNOPQRS",
  pem: "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----",
  password: 'password = "correct-horse-battery"',
};
const CODE = [
  "```js src/config.js",
  `const apiKey = "${SECRETS.openai}";`,
  `const url = "${SECRETS.db}";`,
  `const awsKey = "${SECRETS.aws}";`,
  `const pem = \`${SECRETS.pem}\`;`,
  SECRETS.password,
  "module.exports = { apiKey, url };",
  "```",
].join("\n");
const LEAKS = [
  "Zq8vN3xR7tY2wK9pL4mB6",
  "Pa55w0rdInUrl",
  "AKIAZ5GMHYJKLMNOPQRS",
  "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
  "correct-horse-battery",
];

describe("response cache and secret redaction", () => {
  let m: Mesh;
  let pa: string;
  before(async () => {
    m = await startMesh();
    pa = await m.addProvider({ name: "pa", kind: "openai", apiKey: "sk-a-0123456789abcdef", models: [{ id: "a1" }] });
    await m.addProvider({ name: "pc", kind: "anthropic", apiKey: "sk-c-0123456789abcdef", models: [{ id: "c1" }] });
    await m.putRoute("cached", {
      strategy: "priority",
      targets: [{ providerId: pa, model: "a1" }],
      cacheTtlSeconds: 60,
    });
  });
  after(() => m.close());
  beforeEach(() => m.fake.reset());

  test("when a deterministic request repeats, then the second answer comes from the cache", async () => {
    const req = { model: "cached", messages: userMessage("same question"), temperature: 0 };
    const first = await m.chat(req);
    assert.equal(first.headers.get("x-cache"), "miss");
    const second = await m.chat({ temperature: 0, messages: userMessage("same question"), model: "cached" });
    assert.equal(second.headers.get("x-cache"), "hit");
    assert.equal(second.headers.get("x-provider"), "pa");
    assert.deepEqual(second.body.choices, first.body.choices);
    assert.equal(m.fake.calls("a1"), 1);

    const streamed = await m.stream(req);
    assert.equal(streamed.headers.get("x-cache"), "hit");
    assert.equal(streamed.events.at(-1), "[DONE]");
    const text = (streamed.events.slice(0, -1) as { choices: { delta: { content?: string } }[] }[])
      .map((c) => c.choices[0]?.delta.content ?? "")
      .join("");
    assert.equal(text, first.body.choices[0].message.content);
    assert.equal(m.fake.calls("a1"), 1);

    const usage = await m.http("GET", "/api/v1/usage?groupBy=model", { part: "provider", as: ADMIN });
    assert.equal(usage.body.items.find((i: { key: string }) => i.key === "a1").cacheHits, 2);
  });

  test("when a streamed answer is cached, then a later plain request is a hit; other requests miss", async () => {
    const req = { model: "cached", messages: userMessage("streamed first"), seed: 42 };
    const streamed = await m.stream(req);
    assert.equal(streamed.headers.get("x-cache"), "miss");
    assert.equal((await m.chat(req)).headers.get("x-cache"), "hit");
    assert.equal((await m.chat({ ...req, messages: userMessage("different") })).headers.get("x-cache"), "miss");
    const random = { model: "cached", messages: userMessage("creative"), temperature: 0.8 };
    await m.chat(random);
    assert.equal((await m.chat(random)).headers.get("x-cache"), "miss", "non-deterministic requests are not cached");
    assert.equal(m.fake.calls("a1"), 4);
  });

  test("when code with secrets goes to external providers, then they receive it redacted", async () => {
    for (const model of ["a1", "c1"]) {
      const res = await m.chat({
        model,
        messages: [
          { role: "system", content: "Review." },
          { role: "user", content: `Review this:\n${CODE}` },
        ],
      });
      assert.equal(res.status, 200, res.text);
      assert.ok(Number(res.headers.get("x-redactions")) >= 5, `x-redactions ${res.headers.get("x-redactions")}`);
      const sent = JSON.stringify(m.fake.received.at(-1)!.body);
      for (const leak of LEAKS) assert.ok(!sent.includes(leak), `${leak} reached ${model}: ${sent}`);
      assert.ok(sent.includes("module.exports = { apiKey, url };"), "the rest of the code is intact");
    }
  });

  test("when the same code goes to the local provider, then it sees the original and flags the secret", async () => {
    const res = await m.chat({ model: "local-reviewer", messages: userMessage(`Review this:\n${CODE}`) });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get("x-redactions"), "0");
    const findings = JSON.parse(res.body.choices[0].message.content).findings as { rule: string }[];
    assert.ok(
      findings.some((f) => f.rule === "security/hardcoded-secret"),
      JSON.stringify(findings),
    );
  });
});
