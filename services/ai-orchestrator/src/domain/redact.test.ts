import assert from "node:assert/strict";
import { test } from "node:test";
import { redactMessages, redactText } from "./redact.js";

test("when code holds keys, tokens, private keys and URL passwords, then each is redacted", async () => {
  const code = [
    'const openai = "sk-proj-abcdefghijklmnopqrstuvwxyzABCDEFGH12345678";',
    'const db = "postgres://admin:SuperSecret123@db.internal:5432/app";',
    'aws_access_key_id = "AKIAZ5GMHYJKLMNOPQRS"',
    'const gh = "ghp_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";',
    "-----BEGIN RSA PRIVATE KEY-----",
    "MIIEpAIBAAKCAQEA1234567890abcdef",
    "-----END RSA PRIVATE KEY-----",
    'password = "hunter2hunter2"',
    "Authorization: Bearer abcdefghijklmnopqrstuvwxyz123456",
    "const x = 1;",
  ].join("\n");
  const { text, kinds } = await redactText(code);
  for (const secret of [
    "sk-proj-abc",
    "SuperSecret123",
    "AKIAZ5GMHYJKLMNOPQRS",
    "ghp_abc",
    "MIIEpAIBAAKCAQEA",
    "hunter2hunter2",
    "abcdefghijklmnopqrstuvwxyz123456",
  ])
    assert.ok(!text.includes(secret), `${secret} leaked:\n${text}`);
  assert.equal(text.split("\n").length, code.split("\n").length, "line numbers are kept");
  assert.ok(text.includes('const db = "[REDACTED:'), text);
  assert.ok(text.includes("const x = 1;"));
  assert.ok(kinds.length >= 7);
});

test("when text holds no secret, then it is returned unchanged", async () => {
  const text = 'const password = process.env.PASSWORD;\nconst label = "password";';
  assert.deepEqual(await redactText(text), { text, kinds: [] });
});

test("when messages mix strings and text parts, then both are redacted and others kept", async () => {
  const { messages, count } = await redactMessages([
    { role: "system", content: "You review code." },
    {
      role: "user",
      content: [
        { type: "text", text: 'key = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789"' },
        { type: "image_url", image_url: { url: "x" } },
      ],
    },
  ]);
  assert.equal(count, 1);
  assert.equal(messages[0]!.content, "You review code.");
  const parts = messages[1]!.content as { type: string; text?: string }[];
  assert.ok(!parts[0]!.text!.includes("sk-ant-api03"));
  assert.equal(parts[1]!.type, "image_url");
});
