import assert from "node:assert/strict";
import { it } from "node:test";
import { detectLanguage, shebangInterpreter } from "./language.js";

it("detects languages from Linguist's table by file name, extension and shebang", () => {
  const cases: [string, string, string | null][] = [
    ["src/a.ts", "", "TypeScript"],
    ["src/a.d.ts", "", "TypeScript"],
    ["a.mjs", "", "JavaScript"],
    ["a.py", "", "Python"],
    ["a.go", "", "Go"],
    ["a.rs", "", "Rust"],
    ["x/Main.java", "", "Java"],
    ["a.h", "", "C"],
    ["a.hpp", "", "C++"],
    ["a.cs", "", "C#"],
    ["a.rb", "", "Ruby"],
    ["a.php", "", "PHP"],
    ["a.kt", "", "Kotlin"],
    ["a.swift", "", "Swift"],
    ["a.sql", "", "SQL"],
    ["README.md", "", "Markdown"],
    ["package.json", "", "JSON"],
    ["a.yml", "", "YAML"],
    ["Dockerfile", "", "Dockerfile"],
    ["Makefile", "", "Makefile"],
    ["bin/tool", "#!/usr/bin/env node\nconsole.log(1)", "JavaScript"],
    ["bin/tool", "#!/usr/bin/env -S python3.12 -u\n", "Python"],
    ["bin/tool", "#!/bin/bash\necho", "Shell"],
    ["a.unknown-ext", "", null],
    ["noext", "plain", null],
  ];
  for (const [path, content, expected] of cases) assert.equal(detectLanguage(path, content), expected, path);
});

it("reads the interpreter of a shebang line", () => {
  assert.equal(shebangInterpreter("#!/usr/bin/env node\n"), "node");
  assert.equal(shebangInterpreter("#! /bin/sh -e\n"), "sh");
  assert.equal(shebangInterpreter("no shebang"), undefined);
});
