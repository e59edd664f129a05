import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import { countChatTokens, countTokens, encodingForModel, truncateToTokens } from "./tokens.js";

const loadedEncoders = (): string[] =>
  Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes("gpt-tokenizer"));

test("importing the module does not load a vocabulary", () => {
  assert.deepEqual(loadedEncoders(), []);
});

test("hello world is 2 tokens in o200k and cl100k", () => {
  assert.equal(countTokens("hello world", "gpt-4o"), 2);
  assert.equal(countTokens("hello world", "gpt-4"), 2);
  assert.equal(countTokens("hello world"), 2);
  assert.ok(loadedEncoders().some((k) => k.includes("o200k_base")));
  assert.ok(loadedEncoders().some((k) => k.includes("cl100k_base")));
});

test("model to encoding mapping", () => {
  assert.equal(encodingForModel("gpt-4o-mini"), "o200k_base");
  assert.equal(encodingForModel("openai/gpt-5"), "o200k_base");
  assert.equal(encodingForModel("o3-mini"), "o200k_base");
  assert.equal(encodingForModel("gpt-4-turbo"), "cl100k_base");
  assert.equal(encodingForModel("gpt-3.5-turbo"), "cl100k_base");
  assert.equal(encodingForModel("local"), "o200k_base");
  assert.equal(encodingForModel(undefined), "o200k_base");
});

test("edge cases: empty text and special-token text", () => {
  assert.equal(countTokens(""), 0);
  assert.ok(countTokens("a <|endoftext|> b") > 3, "special tokens are counted as plain text instead of throwing");
  assert.ok(countTokens("€ 日本語 🙂") > 0);
});

test("chat token count adds per-message framing", () => {
  // 3 (reply priming) + 3 (framing) + 1 ("user") + 2 ("hello world")
  assert.equal(countChatTokens([{ role: "user", content: "hello world" }], "gpt-4o"), 9);
  assert.equal(
    countChatTokens([{ role: "user", content: "hello world", name: "bob" }], "gpt-4o"),
    9 + 1 + countTokens("bob"),
  );
  assert.equal(countChatTokens([]), 3);
});

test("truncateToTokens cuts on a token boundary", () => {
  const text = "The quick brown fox jumps over the lazy dog. ".repeat(10);
  const cut = truncateToTokens(text, 7);
  assert.ok(cut.truncated);
  assert.ok(text.startsWith(cut.text));
  assert.ok(countTokens(cut.text) <= 7);
  assert.deepEqual(truncateToTokens("short", 10), { text: "short", truncated: false });
  const emoji = truncateToTokens("🙂🙂🙂🙂", 1);
  assert.ok(!emoji.text.includes("\uFFFD"));
});
