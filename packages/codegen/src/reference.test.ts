import type { JsonSchema } from "@kiln/contracts";
import { describe, expect, it } from "vitest";
import { testModel } from "../test/model.js";
import type { ExtensionModel } from "./model.js";
import { code, generateReference, prose } from "./reference.js";

/** The lines of the page's `#### Input` section for a job whose input is `schema`, up to the next heading. */
function inputSection(schema: JsonSchema): string[] {
  const page = generateReference(testModel({}, [{ input: schema }]));
  const start = page.indexOf("#### Input\n\n") + "#### Input\n\n".length;
  return page.slice(start, page.indexOf("\n\n#### Output", start)).split("\n");
}

/** The table rows of the input section, without the header. */
function inputRows(schema: JsonSchema): string[] {
  return inputSection(schema).slice(4);
}

describe("generateReference: a job schema → its type line and property rows", () => {
  const item: JsonSchema = {
    description: "One item.",
    type: "object",
    properties: { id: { type: "string", description: "Its id." }, n: { type: "integer", minimum: 0 } },
    required: ["id"],
    additionalProperties: false,
  };
  const scenarios: [name: string, schema: JsonSchema, typeLine: string, rows: string[]][] = [
    ["any value", {}, "Type: `any` (any JSON value).", []],
    ["nothing", { not: {} }, "Type: `never`.", []],
    ["null (a job that returns nothing)", { type: "null" }, "Type: `null`.", []],
    ["a nullable string", { type: ["string", "null"] }, "Type: `string | null`.", []],
    [
      "a scalar with a description and constraints",
      { type: "string", description: "A slug.", pattern: "^[a-z]+$", maxLength: 8 },
      "Type: `string`. A slug. Constraints: maxLength: `8`, pattern: `^[a-z]+$`.",
      [],
    ],
    [
      "an object: required, optional, descriptions, constraints",
      {
        type: "object",
        properties: {
          name: { type: "string", description: "Who." },
          age: { type: "integer", minimum: 0, maximum: 150 },
          mode: { type: "string", enum: ["fast", "slow"], default: "fast" },
          at: { type: "string", format: "date-time" },
        },
        required: ["name"],
        additionalProperties: false,
      },
      "Type: `object`.",
      [
        "| `name` | `string` | yes | Who. |  |",
        "| `age` | `integer` | no |  | minimum: `0`, maximum: `150` |",
        '| `mode` | `"fast" \\| "slow"` | no |  | default: `"fast"` |',
        "| `at` | `string` | no |  | format: `date-time` |",
      ],
    ],
    [
      "nested objects: a.b",
      {
        type: "object",
        properties: { a: { type: "object", properties: { b: { type: "boolean" } }, required: ["b"] } },
        required: ["a"],
      },
      "Type: `object`.",
      ["| `a` | `object` | yes |  |  |", "| `a.b` | `boolean` | yes |  |  |"],
    ],
    [
      "an array of a named object: items[] rows, the name as the type",
      {
        type: "object",
        properties: { items: { type: "array", items: { $ref: "#/$defs/Item" } } },
        required: ["items"],
        $defs: { Item: item },
      },
      "Type: `object`.",
      [
        "| `items` | `Item[]` | yes |  |  |",
        "| `items[].id` | `string` | yes | Its id. |  |",
        "| `items[].n` | `integer` | no |  | minimum: `0` |",
      ],
    ],
    [
      "a named root type: its name and description, then its properties",
      { $ref: "#/$defs/Item", $defs: { Item: item } },
      "Type: `Item`. One item.",
      ["| `id` | `string` | yes | Its id. |  |", "| `n` | `integer` | no |  | minimum: `0` |"],
    ],
    [
      "a nullable named object: its properties under it",
      {
        type: "object",
        properties: { item: { anyOf: [{ $ref: "#/$defs/Item" }, { type: "null" }] } },
        $defs: { Item: item },
      },
      "Type: `object`.",
      [
        "| `item` | `Item \\| null` | no |  |  |",
        "| `item.id` | `string` | yes | Its id. |  |",
        "| `item.n` | `integer` | no |  | minimum: `0` |",
      ],
    ],
    [
      "a named enum: its values, not its name",
      {
        type: "object",
        properties: { level: { $ref: "#/$defs/Level" } },
        required: ["level"],
        $defs: { Level: { description: "How loud.", type: "string", enum: ["low", "high"] } },
      },
      "Type: `object`.",
      ['| `level` | `"low" \\| "high"` | yes | How loud. |  |'],
    ],
    [
      "a map: path.*",
      { type: "object", properties: { counts: { type: "object", additionalProperties: { type: "number" } } } },
      "Type: `object`.",
      ["| `counts` | `{ [key: string]: number }` | no |  |  |", "| `counts.*` | `number` | no | Any key. |  |"],
    ],
    [
      "a recursive type: expanded once",
      {
        $ref: "#/$defs/Tree",
        $defs: {
          Tree: {
            type: "object",
            properties: { label: { type: "string" }, children: { type: "array", items: { $ref: "#/$defs/Tree" } } },
            required: ["label", "children"],
          },
        },
      },
      "Type: `Tree`.",
      ["| `label` | `string` | yes |  |  |", "| `children` | `Tree[]` | yes |  |  |"],
    ],
    [
      "a union of objects: properties merged, each one not in every member says where it is",
      {
        anyOf: [{ $ref: "#/$defs/Circle" }, { $ref: "#/$defs/Square" }],
        $defs: {
          Circle: {
            type: "object",
            properties: { kind: { const: "circle" }, radius: { type: "number" } },
            required: ["kind", "radius"],
          },
          Square: {
            type: "object",
            properties: { kind: { const: "square" }, side: { type: "number" } },
            required: ["kind", "side"],
          },
        },
      },
      "Type: `Circle | Square`.",
      [
        '| `kind` | `"circle" \\| "square"` | yes |  |  |',
        "| `radius` | `number` | no | Only in `Circle`. |  |",
        "| `side` | `number` | no | Only in `Square`. |  |",
      ],
    ],
    [
      "tuples: their elements in the type",
      {
        type: "object",
        properties: {
          pair: { type: "array", prefixItems: [{ type: "string" }, { type: "number" }], items: false, minItems: 1 },
        },
      },
      "Type: `object`.",
      ["| `pair` | `[string, number?]` | no |  |  |"],
    ],
    [
      "keys that are not plain names, deprecation, read-only, examples",
      {
        type: "object",
        properties: {
          "a b": { type: "string", deprecated: true, description: "Old." },
          id: { type: "string", readOnly: true, examples: ["x-1", "y-2"] },
        },
      },
      "Type: `object`.",
      [
        '| `["a b"]` | `string` | no | Deprecated. Old. |  |',
        '| `id` | `string` | no |  | examples: `"x-1"`, `"y-2"`, read-only |',
      ],
    ],
  ];

  it.each(scenarios)("%s", (_name, schema, typeLine, rows) => {
    const section = inputSection(schema);
    expect(section[0]).toBe(typeLine);
    if (rows.length === 0) expect(section).toHaveLength(1);
    else {
      expect(section[2]).toBe("| property | type | required | description | constraints |");
      expect(inputRows(schema)).toEqual(rows);
    }
  });
});

describe("generateReference: the page", () => {
  it("starts with the generated-file comment, the title, the id and version, and the description", () => {
    const page = generateReference(testModel({ entryFile: "lib/main.ts", description: "Does things." }));
    expect(page.split("\n").slice(0, 7)).toEqual([
      "<!-- Generated by kiln docs from lib/main.ts: edit the doc comments there. -->",
      "",
      "# Demo",
      "",
      "`demo` version `1.0.0`",
      "",
      "Does things.",
    ]);
  });

  it("lists the jobs in a table linking to each job's section, in the model's order", () => {
    const page = generateReference(
      testModel({}, [
        { name: "index", methodName: "index", description: "Indexes." },
        { name: "search", methodName: "search" },
      ]),
    );
    expect(page).toContain(
      "| job | description |\n| --- | --- |\n| [`index`](#job-index) | Indexes. |\n| [`search`](#job-search) |  |\n",
    );
    expect(page).toContain("### Job `index`\n\nIndexes.\n\nMethod `index` of `Demo`.\n\n#### Input\n");
    expect(page.indexOf("### Job `index`")).toBeLessThan(page.indexOf("### Job `search`"));
    expect(generateReference(testModel({ jobs: [] }))).toContain("## Jobs\n\nNone.\n");
  });

  const sections: [name: string, overrides: Partial<ExtensionModel>, expected: string][] = [
    [
      "built-in permissions: the operations each allows, from the operations table",
      { permissions: ["kv.read"] },
      "| `kv.read` | `kv.get`: The value stored under `key`, or null when there is none. `kv.list`: One page of keys in key order; pass `next` as `after` for the next page. |",
    ],
    [
      "an application's permission",
      { permissions: ["acme.invoices.read"] },
      "| `acme.invoices.read` | An operation of the application (not built in): see the application's documentation. |",
    ],
    ["no permission", {}, "## Permissions\n\nNone: the extension calls no operation.\n"],
    [
      "allowed hosts",
      { permissions: ["http.fetch"], allowedHosts: ["api.example.com", "localhost:8080"] },
      "## Allowed hosts\n\n`http.fetch` may reach these hosts, and no other:\n\n- `api.example.com`\n- `localhost:8080`\n",
    ],
    ["no allowed host", {}, "## Allowed hosts\n\nNone: `http.fetch` may reach no host.\n"],
    [
      "a limit in whole MiB, the host's default beside",
      { limits: { resultBytes: 2 * 1024 * 1024 } },
      "| `resultBytes` | 2 MiB | 16 MiB |",
    ],
    ["a limit in whole KiB", { limits: { payloadBytes: 64 * 1024 } }, "| `payloadBytes` | 64 KiB | 8 MiB |"],
    ["a limit in bytes", { limits: { logBytes: 1536 } }, "| `logBytes` | 1,536 bytes | 16 MiB |"],
    [
      "a limit in ms, with no host default",
      { limits: { jobTimeoutMs: 90_000 } },
      "| `jobTimeoutMs` | 90,000 ms | none | Wall-clock time of one run of a job, in ms. |",
    ],
    ["a limit in MiB", { limits: { memoryMiB: 64.5 } }, "| `memoryMiB` | 64.5 MiB | 256 MiB |"],
    ["a rate", { limits: { checkpointsPerSecond: 5 } }, "| `checkpointsPerSecond` | 5 per second | 100 per second |"],
    ["a count", { limits: { instructions: 1_000_000 } }, "| `instructions` | 1,000,000 | none |"],
    [
      "no limit declared",
      {},
      "## Limits\n\nNone declared: the host's limits apply ([Limits](https://kiln-dev.github.io/kiln/limits)).\n",
    ],
    [
      "hooks",
      { hooks: { init: true, cleanup: false } },
      "| hook | when it runs |\n| --- | --- |\n| `init(ctx)` | Runs",
    ],
    ["no hook", {}, "## Lifecycle hooks\n\nNone.\n"],
  ];

  it.each(sections)("%s", (_name, overrides, expected) => {
    expect(generateReference(testModel(overrides))).toContain(expected);
  });

  it("lists declared limits in the limits table's order, whatever the model's", () => {
    const page = generateReference(testModel({ limits: { logBytes: 1024, concurrentJobs: 2 } }));
    expect(page.indexOf("`concurrentJobs`")).toBeLessThan(page.indexOf("`logBytes`"));
    expect(page).not.toContain("`memoryMiB`");
  });

  it("orders the sections: jobs, permissions, allowed hosts, limits, hooks", () => {
    const page = generateReference(testModel());
    const order = ["## Jobs", "## Permissions", "## Allowed hosts", "## Limits", "## Lifecycle hooks"].map((h) =>
      page.indexOf(`\n${h}\n`),
    );
    expect(order.every((at, i) => at > 0 && (i === 0 || at > (order[i - 1] as number)))).toBe(true);
  });

  it("is deterministic: the same model gives the same page, and ends with one newline", () => {
    const m = testModel({ permissions: ["kv.write"], limits: { memoryMiB: 32 } }, [{ input: { type: "string" } }]);
    const page = generateReference(m);
    expect(generateReference(structuredClone(m))).toBe(page);
    expect(page.endsWith("\n")).toBe(true);
    expect(page.endsWith("\n\n")).toBe(false);
  });
});

describe("escaping for VitePress: markdown and Vue read the author's text as text", () => {
  const proseCases: [name: string, text: string, expected: string][] = [
    ["plain text", "Counts words.", "Counts words."],
    ["markdown kept", "Counts *all* [words](https://example.com).", "Counts *all* [words](https://example.com)."],
    ["< outside code", "The <title> of a page", "The &lt;title> of a page"],
    ["< inside code kept", "The `<title>` of a page", "The `<title>` of a page"],
    ["{{ outside code", "A {{server}} placeholder", "A &#123;&#123;server}} placeholder"],
    ["{{ inside code", "A `{{server}}/x` URL", "A <code v-pre>{{server}}/x</code> URL"],
    ["double-backtick code", "Use ``a`b`` here", "Use ``a`b`` here"],
    ["an unclosed backtick", "It's 5` long <", "It's 5` long &lt;"],
  ];
  it.each(proseCases)("prose: %s", (_name, text, expected) => {
    expect(prose(text)).toBe(expected);
  });

  const codeCases: [name: string, text: string, expected: string][] = [
    ["plain", "a.b", "`a.b`"],
    ["a backtick inside", "a`b", "``a`b``"],
    ["a backtick at the end", "a`", "`` a` ``"],
    ["{{ as v-pre HTML, escaped, pipes as entities", "{{a}} | <b>", "<code v-pre>{{a}} &#124; &lt;b&gt;</code>"],
  ];
  it.each(codeCases)("code: %s", (_name, text, expected) => {
    expect(code(text)).toBe(expected);
  });

  it("escapes the author's text everywhere on the page: title, descriptions, cells", () => {
    const page = generateReference(
      testModel({ name: "A <b> {{x}}", description: "Uses a | pipe and <tags>." }, [
        {
          description: "Job with {{braces}} and `{{code}}`.",
          input: {
            type: "object",
            properties: {
              url: { type: "string", description: "A `a|b` <url> {{x}}", pattern: "^(a|b)$", default: "{{v}}" },
            },
          },
        },
      ]),
    );
    expect(page).toContain("# A &lt;b> &#123;&#123;x}}\n");
    expect(page).toContain("\nUses a | pipe and &lt;tags>.\n");
    expect(page).toContain(
      "| [`job-0`](#job-job-0) | Job with &#123;&#123;braces}} and <code v-pre>{{code}}</code>. |",
    );
    expect(page).toContain(
      '| `url` | `string` | no | A `a\\|b` &lt;url> &#123;&#123;x}} | pattern: `^(a\\|b)$`, default: <code v-pre>"{{v}}"</code> |',
    );
  });
});
