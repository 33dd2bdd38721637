/**
 * Every error code Kiln has, in one table: the code, where it arises, what it means, the usual fix.
 * {@link KilnErrorCode} is the union of its keys, so a code spelled anywhere else is a type error;
 * `docs/errors.md` is generated from it. Every error a Kiln API throws is a {@link KilnError}.
 *
 * @module
 */

/** Where in Kiln a code arises; the error reference groups codes by it (plain titles: they become anchors). */
export const ERROR_AREAS = {
  build: "Building an extension",
  cli: "The kiln command line",
  load: "Loading an extension",
  run: "Running jobs",
  limits: "Limits and stops",
  call: "Inside an extension: host calls",
  builtin: "Built-in operations",
  register: "Registering operations",
  store: "The job store",
  plugin: "The plugin and bare Javy modules",
  options: "Options given to Kiln's APIs",
  testing: "Testing extensions",
} as const;

/** One of the keys of {@link ERROR_AREAS}. */
export type ErrorArea = keyof typeof ERROR_AREAS;

/** A row of {@link ERRORS}. */
export interface ErrorInfo {
  /** Where the code arises. */
  readonly area: ErrorArea;
  /** What it means, in one line. */
  readonly summary: string;
  /** The usual way out. A specific error's message may say more. */
  readonly fix: string;
}

/**
 * The error table. Codes are stable: applications and extensions branch on them, never on message
 * text. Add a code here first; the union type then admits it everywhere.
 */
export const ERRORS = {
  // --- build diagnostics: collected by the analyser, reported together ------------------------
  KILN_NON_LITERAL: {
    area: "build",
    summary: "A decorator value is not a literal",
    fix: "Write the value inline as a literal (a string, an array of strings, a number or an object literal); codegen reads decorators without running your code.",
  },
  KILN_INVALID_TYPE: {
    area: "build",
    summary: "A decorator value has the wrong type",
    fix: "Use a string literal, an array of string literals for `permissions` and `allowedHosts`, an object literal for `limits` and a number literal for each limit in `limits`.",
  },
  KILN_DUPLICATE_JOB: {
    area: "build",
    summary: "Two jobs have the same name",
    fix: 'Give one of the jobs another name with @job({ name: "…" }).',
  },
  KILN_INVALID_VERSION: {
    area: "build",
    summary: "The version is not a semantic version",
    fix: 'Use MAJOR.MINOR.PATCH, for example "1.0.0".',
  },
  KILN_UNKNOWN_PERMISSION: {
    area: "build",
    summary: "A permission is neither built in nor published by the application",
    fix: 'Fix the spelling, or list the application\'s permission names in package.json under "kiln": { "permissions": [...] }.',
  },
  KILN_DUPLICATE_PERMISSION: {
    area: "build",
    summary: "A permission is listed twice",
    fix: "Remove the repeated permission.",
  },
  KILN_INVALID_HOST: {
    area: "build",
    summary: "An allowed host is not a bare lowercase host name",
    fix: 'Write the host name alone, in lowercase, with an optional port: "example.com" or "localhost:8080" (no scheme, path or wildcard).',
  },
  KILN_DUPLICATE_HOST: {
    area: "build",
    summary: "An allowed host is listed twice",
    fix: "Remove the repeated host.",
  },
  KILN_HOSTS_WITHOUT_FETCH: {
    area: "build",
    summary: 'allowedHosts is set but the "http.fetch" permission is not requested',
    fix: 'Add "http.fetch" to permissions, or remove allowedHosts.',
  },
  KILN_FETCH_WITHOUT_HOSTS: {
    area: "build",
    summary: 'The "http.fetch" permission is requested but no host is allowed',
    fix: 'List the hosts the extension calls in allowedHosts (for example allowedHosts: ["api.example.com"]), or remove "http.fetch".',
  },
  KILN_DECORATOR_TARGET: {
    area: "build",
    summary: "A Kiln decorator is on something it cannot decorate",
    fix: "Put @extension on an exported class declaration and @job on a public instance method of that class.",
  },
  KILN_DECORATOR_NOT_CALLED: {
    area: "build",
    summary: "A Kiln decorator is used without calling it",
    fix: "Call the decorator: write @job() or @extension({ … }).",
  },
  KILN_DUPLICATE_DECORATOR: {
    area: "build",
    summary: "The same Kiln decorator is applied twice",
    fix: "Remove the repeated decorator.",
  },
  KILN_EXTRA_ARGUMENT: {
    area: "build",
    summary: "A Kiln decorator got more than one argument",
    fix: "Pass a single options object.",
  },
  KILN_NO_EXTENSION: {
    area: "build",
    summary: "No @extension class was found",
    fix: "Decorate one exported class with @extension({ id, name, version }) from @kiln/sdk in the entry file or a file it imports.",
  },
  KILN_MULTIPLE_EXTENSIONS: {
    area: "build",
    summary: "More than one @extension class was found",
    fix: "Keep one @extension class per project; move the other into its own extension project.",
  },
  KILN_NOT_EXPORTED: {
    area: "build",
    summary: "The @extension class is not exported by name",
    fix: "Write `export class …` so the generated glue can import the class.",
  },
  KILN_INVALID_ID: {
    area: "build",
    summary: "The extension id is not kebab-case",
    fix: 'Use lowercase letters, digits and single dashes, starting with a letter, at most 64 characters (for example "photo-tagger").',
  },
  KILN_INVALID_JOB_NAME: {
    area: "build",
    summary: "A job name is not kebab-case",
    fix: 'Use lowercase letters, digits and single dashes, starting with a letter, at most 64 characters (for example "tag-folder").',
  },
  KILN_INVALID_VALUE: {
    area: "build",
    summary: "A decorator value is out of range",
    fix: "Use a non-empty name of at most 100 characters and a description of at most 1000.",
  },
  KILN_MISSING_OPTION: {
    area: "build",
    summary: "A required option is missing",
    fix: "Add the option; @extension needs id, name and version.",
  },
  KILN_UNKNOWN_OPTION: {
    area: "build",
    summary: "An option is not known",
    fix: "Remove the option or fix its spelling.",
  },
  KILN_DUPLICATE_OPTION: {
    area: "build",
    summary: "An option is given twice",
    fix: "Remove the repeated option.",
  },
  KILN_STATIC_JOB: {
    area: "build",
    summary: "A job method is static",
    fix: "Remove `static`: jobs run on the extension's instance.",
  },
  KILN_PRIVATE_JOB: {
    area: "build",
    summary: "A job method is private or protected",
    fix: "Make the method public: the generated glue calls it from outside the class.",
  },
  KILN_JOB_OUTSIDE_EXTENSION: {
    area: "build",
    summary: "A @job method is in a class without @extension",
    fix: "Move the method into the @extension class.",
  },
  KILN_TYPE_NOT_JSON: {
    area: "build",
    summary:
      "A job's input, result or checkpoint state type holds something JSON cannot carry (a function, Date, Map, Set, bigint, symbol, a class with methods; `any` with --strict)",
    fix: "Use JSON data types: a Date as an ISO string (`string` with `@format date-time`), a Map as a `Record<string, T>` or an array of pairs, a bigint as a number or a decimal string, a class as a plain interface.",
  },
  KILN_SCHEMA_TAG_INVALID: {
    area: "build",
    summary: "A JSDoc schema tag (`@minimum`, `@pattern`, `@format`, …) has a value the schema cannot use",
    fix: "Give the tag a value of its kind: a number for `@minimum`, a linear-time regular expression for `@pattern`, a known format name for `@format`.",
  },
  KILN_SYNTAX_ERROR: {
    area: "build",
    summary: "The source does not parse",
    fix: "Fix the syntax error.",
  },
  KILN_ENTRY_NOT_FOUND: {
    area: "build",
    summary: "The entry file does not exist",
    fix: 'Create src/index.ts, or point package.json "kiln": { "entry": "…" } at the file that exports the extension class.',
  },
  KILN_TYPE_ERROR: {
    area: "build",
    summary: "TypeScript's type checker found an error in the extension's sources (the code is `TS` and its number)",
    fix: "Fix the type error at the place shown; `kiln build --no-typecheck` builds without checking types.",
  },
  KILN_EXPERIMENTAL_DECORATORS: {
    area: "build",
    summary: "The tsconfig sets `experimentalDecorators`; Kiln's decorators are the standard (TC39) ones",
    fix: 'Remove `experimentalDecorators` from the extension\'s tsconfig (extend "@kiln/sdk/tsconfig.json", which sets it to false).',
  },
  KILN_NODE_BUILTIN_IMPORT: {
    area: "build",
    summary: "The extension imports a Node.js built-in module (`node:fs`, `path`, …), which the sandbox does not have",
    fix: 'Reach files, the network and the rest of the host through operations: `ctx.call("files.read", …)`, `fetch` for allowed hosts (see docs/operations.md).',
  },
  KILN_INVALID_CONFIG: {
    area: "build",
    summary: 'The "kiln" section of package.json is invalid',
    fix: 'Write "kiln": { "entry": "src/index.ts", "permissions": ["acme.invoices.read"] } with string values.',
  },
  // --- build: the later steps ------------------------------------------------------------------
  KILN_BUILD_FAILED: {
    area: "build",
    summary: "The build found problems in the source; every diagnostic is listed",
    fix: "Fix each diagnostic at the file:line:col it names, then build again.",
  },
  KILN_BUNDLE_FAILED: {
    area: "build",
    summary: "esbuild could not bundle the extension (the message lists each file:line:col)",
    fix: "Fix the import or syntax at the place shown; extensions may import only @kiln/sdk and bundlable npm code, never Node built-ins.",
  },
  KILN_JS_COMPILE_FAILED: {
    area: "build",
    summary: "QuickJS could not compile the bundle (syntax it does not support)",
    fix: "Fix the code at the line shown; syntax newer than ES2020 that esbuild cannot lower is not supported.",
  },

  // --- the CLI ---------------------------------------------------------------------------------
  KILN_USAGE: {
    area: "cli",
    summary: "A command, flag or argument of `kiln` is unknown or malformed",
    fix: "Run `kiln <command> --help` for the command's usage; the message suggests the closest valid name.",
  },
  KILN_DIST_NOT_FOUND: {
    area: "cli",
    summary: "The folder given as a built extension has no manifest.json",
    fix: "Point at the build's output folder (usually <extension>/dist), or run `kiln build <extension>` first.",
  },
  KILN_TARGET_NOT_EMPTY: {
    area: "cli",
    summary: "`kiln new` was pointed at a folder that already has files in it",
    fix: "Choose a new folder name, or empty the folder first.",
  },

  // --- loading ---------------------------------------------------------------------------------
  KILN_MANIFEST_INVALID: {
    area: "load",
    summary: "manifest.json is missing, not JSON, or fails the schema; every problem is listed with its JSON pointer",
    fix: "Rebuild the extension with `kiln build`; never edit a manifest by hand.",
  },
  KILN_MODULE_HASH_MISMATCH: {
    area: "load",
    summary: "The module's SHA-256 differs from the one its manifest records",
    fix: "The module changed after the build: rebuild with `kiln build` and load the new dist folder.",
  },
  KILN_MODULE_INVALID: {
    area: "load",
    summary: "The module is not valid WebAssembly (truncated, corrupted, or not Wasm at all)",
    fix: "Rebuild it with `kiln build`.",
  },
  KILN_MODULE_LINK: {
    area: "load",
    summary:
      "The module imports something besides the plugin's cabi_realloc, invoke and memory, was built for another plugin, or lacks an export its manifest names",
    fix: "Rebuild it with this version of Kiln.",
  },
  KILN_ALREADY_LOADED: {
    area: "load",
    summary: "An extension with that id is already loaded",
    fix: "Unload it first, or load the other one into another host.",
  },
  KILN_NOT_LOADED: {
    area: "load",
    summary: "No extension with that id is loaded (the message lists those that are)",
    fix: "Load it with `host.load(dir)` first, or fix the id.",
  },
  KILN_EXTENSION_FAILED: {
    area: "load",
    summary: "The extension's own code threw: top-level code, init, or a job (message and JS stack included)",
    fix: "Fix the extension at the place its stack shows.",
  },

  // --- running jobs ----------------------------------------------------------------------------
  KILN_JOB_NOT_FOUND: {
    area: "run",
    summary: "No such job: the extension has no job of that name, or the store no job with that id",
    fix: "Use one of the job names the message lists, or an id from `host.jobs.list()` / `kiln jobs list`.",
  },
  KILN_INVALID_INPUT: {
    area: "run",
    summary: "A job's input is not JSON data",
    fix: "Pass plain JSON data: objects, arrays, strings, finite numbers, booleans, null.",
  },
  KILN_JOB_INPUT_INVALID: {
    area: "run",
    summary:
      "A job's input does not match the job's input schema (from its TypeScript type); every failing path is listed with what was expected. Nothing was stored or run",
    fix: "Pass the input the job declares (`kiln inspect <dist>` shows its schema), or change the job's `JobContext<Input>` type and rebuild.",
  },
  KILN_JOB_OUTPUT_INVALID: {
    area: "run",
    summary: "A job's result does not match its declared return type; the job failed",
    fix: "Fix the extension so that the job returns what its method's return type says, or change the type and rebuild.",
  },
  KILN_CHECKPOINT_INVALID: {
    area: "run",
    summary:
      "A checkpoint's state does not match the type of the job's `state` parameter; the job failed and its last good checkpoint stays",
    fix: "Checkpoint what the job's `state` parameter type says (the job resumes with it), or change the type and rebuild.",
  },
  KILN_EXTENSION_CRASHED: {
    area: "run",
    summary: "The job's worker died, or was stopped after ignoring a pause or cancel",
    fix: "Look for code that never returns to the interpreter (a catastrophic regular expression); the job can be retried.",
  },
  KILN_CANCELLED: {
    area: "run",
    summary: "The job was cancelled (or the host closed while a host call was in flight)",
    fix: "Nothing to fix: a cancel wins over anything the job does after it.",
  },
  KILN_INTERRUPTED: {
    area: "run",
    summary: "A job stopped by a pause or a shutdown before it finished",
    fix: "Resume it (`host.jobs.resume`, `kiln jobs resume`); it restarts from its last checkpoint.",
  },
  KILN_JOB_STATE: {
    area: "run",
    summary: "The job's state does not allow the request (resuming a completed job, for example)",
    fix: "Check the job's state first; only queued, running, paused and interrupted jobs can be changed.",
  },
  KILN_JOB_NOT_RUNNING: {
    area: "run",
    summary: "A checkpoint or progress report for a job that is no longer running",
    fix: "Nothing to fix in the extension: the job was cancelled or finished meanwhile.",
  },
  KILN_STORE_TRANSITION_INVALID: {
    area: "run",
    summary: "The store refused a job state change that its state machine does not allow",
    fix: "An internal error or a second process changing the same job: report it with the job's id.",
  },

  // --- limits and stops --------------------------------------------------------------------------
  KILN_JOB_TIMEOUT: {
    area: "limits",
    summary: "A job run (or `host.run`) took longer than `limits.jobTimeoutMs` or its `timeoutMs`",
    fix: "Raise the limit, or checkpoint and split the work so each run is shorter.",
  },
  KILN_START_TIMEOUT: {
    area: "limits",
    summary: "The module's top-level code plus `init` took longer than `limits.startTimeoutMs`",
    fix: "Move slow set-up out of `init` into a job, or raise the limit.",
  },
  KILN_CLEANUP_TIMEOUT: {
    area: "limits",
    summary: "`cleanup` took longer than `limits.cleanupTimeoutMs` (logged; the instance was stopped anyway)",
    fix: "Keep `cleanup` short, or raise the limit.",
  },
  KILN_INSTRUCTION_LIMIT: {
    area: "limits",
    summary: "A job run took more than `limits.instructions` interpreter steps",
    fix: "Raise the limit, or checkpoint and split the work.",
  },
  KILN_OUT_OF_MEMORY: {
    area: "limits",
    summary: "The extension's heap reached `limits.memoryMiB` and the job did not recover",
    fix: "Process data in smaller pieces, or raise the limit.",
  },
  KILN_PAYLOAD_TOO_LARGE: {
    area: "limits",
    summary: "A host call's payload is larger than `limits.payloadBytes`",
    fix: "Send less per call, or raise the limit.",
  },
  KILN_VALUE_TOO_DEEP: {
    area: "limits",
    summary: "A value crossing the wall is nested deeper than `limits.valueDepth`",
    fix: "Flatten the value, or raise the limit (at most 4096).",
  },
  KILN_RESULT_TOO_LARGE: {
    area: "limits",
    summary: "A job's result is larger than `limits.resultBytes`",
    fix: "Return less (store bulk data through an operation), or raise the limit.",
  },
  KILN_CHECKPOINT_TOO_LARGE: {
    area: "limits",
    summary: "A checkpoint's state is larger than `limits.checkpointBytes` (the last good checkpoint stays)",
    fix: "Checkpoint a cursor, not the data; or raise the limit.",
  },
  KILN_CHECKPOINT_RATE_LIMITED: {
    area: "limits",
    summary: "A job checkpointed faster than `limits.checkpointsPerSecond`",
    fix: "Checkpoint every N items rather than every item, or raise the limit.",
  },
  KILN_LOG_LIMIT: {
    area: "limits",
    summary: "A run wrote more than `limits.logBytes` of log text; later lines were dropped (logged once)",
    fix: "Log less, or raise the limit.",
  },
  KILN_OPERATION_NAME_TOO_LONG: {
    area: "limits",
    summary: "A host call named an operation longer than any operation can be (128 characters)",
    fix: "Call an operation that exists; the name is refused before any lookup.",
  },
  KILN_TOO_MANY_CALLS: {
    area: "limits",
    summary: "A job started a host call while 256 of its calls were already in flight",
    fix: "Await calls in batches (for example 50 at a time) instead of all at once.",
  },
  KILN_INVALID_LIMIT: {
    area: "limits",
    summary: "A limit is unknown, not a positive number, or above its maximum",
    fix: "Use a positive number no larger than the limit's maximum (whole for every limit but memoryMiB); the Limits page lists each range.",
  },

  // --- host calls, as the extension sees them ----------------------------------------------------
  KILN_UNKNOWN_OPERATION: {
    area: "call",
    summary: "No operation of that name is registered (the message suggests close names)",
    fix: "Fix the name, or have the application register the operation.",
  },
  KILN_PERMISSION_NOT_DECLARED: {
    area: "call",
    summary: "The operation needs a permission the extension's manifest does not ask for",
    fix: "Add the permission to `@extension({ permissions })` and rebuild.",
  },
  KILN_PERMISSION_DENIED: {
    area: "call",
    summary: "The manifest asks for the permission, but the application did not grant it",
    fix: "Grant it when loading (`host.load(dir, { grants })`, `kiln run --grant`), or handle the refusal.",
  },
  KILN_RATE_LIMITED: {
    area: "call",
    summary: "The extension called operations faster than its rate limit allows",
    fix: "Call less often, or have the application raise the rate limit.",
  },
  KILN_OPERATION_INPUT_INVALID: {
    area: "call",
    summary: "The payload does not match the operation's input schema (the message has the JSON path)",
    fix: "Send what the operation's schema asks for; `Operations` in @kiln/sdk types the built-ins.",
  },
  KILN_OPERATION_FAILED: {
    area: "call",
    summary: "The operation's handler threw an error without a code of its own",
    fix: "See the message; an application's handler should throw `OperationError` with a specific code.",
  },
  KILN_OPERATION_OUTPUT_INVALID: {
    area: "call",
    summary: "The handler's result breaks its output schema or is not JSON: a bug in the application",
    fix: "Fix the application's handler or its output schema.",
  },
  KILN_HOST_CALL_FAILED: {
    area: "call",
    summary: "The host could not answer a host call (internal)",
    fix: "Report it; the job can be retried.",
  },
  KILN_INVALID_PAYLOAD: {
    area: "call",
    summary: "A host call's payload is not valid JSON text, or a runtime call's payload has the wrong shape",
    fix: "Call through @kiln/sdk's JobContext, which always sends valid payloads.",
  },
  KILN_CHECKPOINT_FAILED: {
    area: "call",
    summary: "The host could not store a checkpoint",
    fix: "See the message (usually the store's own error).",
  },

  // --- built-in operations -----------------------------------------------------------------------
  KILN_PATH_ESCAPE: {
    area: "builtin",
    summary: "A files.* path is absolute, has `..`, a NUL byte or a backslash, or crosses a symlink",
    fix: "Use a relative path inside the granted folder, with forward slashes.",
  },
  KILN_FOLDER_NOT_GRANTED: {
    area: "builtin",
    summary: "files.* named a folder the application did not grant to this extension",
    fix: "Use a granted folder name, or have the application grant it (`kiln run --folder name=path`).",
  },
  KILN_NOT_FOUND: {
    area: "builtin",
    summary: "The file, directory or key does not exist",
    fix: "Check the path or key; list the folder (`files.list`) or the keys (`kv.list`).",
  },
  KILN_NOT_A_FILE: {
    area: "builtin",
    summary: "files.read or files.stat reached something that must be a regular file and is not",
    fix: "Read regular files only; FIFOs, devices and sockets are refused unread.",
  },
  KILN_NOT_A_DIRECTORY: {
    area: "builtin",
    summary: "files.list reached something that must be a directory and is not",
    fix: "List a directory.",
  },
  KILN_FILE_TOO_LARGE: {
    area: "builtin",
    summary: "The file is larger than the read limit",
    fix: "Read smaller files, or have the application raise `maxReadBytes`.",
  },
  KILN_FILE_NOT_UTF8: {
    area: "builtin",
    summary: 'files.read with encoding "utf8" met bytes that are not UTF-8',
    fix: 'Read it with encoding "base64".',
  },
  KILN_VALUE_TOO_LARGE: {
    area: "builtin",
    summary: "A key-value value's JSON text is larger than the store's limit",
    fix: "Store less per key, or have the application raise `maxValueBytes`.",
  },
  KILN_HOST_NOT_ALLOWED: {
    area: "builtin",
    summary: "http.fetch (or one of its redirects) targets a host not in `allowedHosts`",
    fix: "Add the host to `@extension({ allowedHosts })` and rebuild.",
  },
  KILN_TOO_MANY_REDIRECTS: {
    area: "builtin",
    summary: "http.fetch followed more redirects than allowed",
    fix: "Fetch the final URL directly.",
  },
  KILN_RESPONSE_TOO_LARGE: {
    area: "builtin",
    summary: "The HTTP response body is larger than the limit",
    fix: "Fetch less, or have the application raise `maxResponseBytes`.",
  },
  KILN_TIMEOUT: {
    area: "builtin",
    summary: "An HTTP request took longer than the host allows",
    fix: "Retry later, or have the application raise the timeout.",
  },

  // --- registering operations --------------------------------------------------------------------
  KILN_OPERATION_DUPLICATE: {
    area: "register",
    summary: "An operation of that name is already registered",
    fix: "Register each name once; unregister the old one first to replace it.",
  },
  KILN_OPERATION_NAME_INVALID: {
    area: "register",
    summary: "An operation name is not dotted lowercase (two segments at least) or starts with the reserved `$`",
    fix: 'Name it like "acme.invoices.read".',
  },
  KILN_OPERATION_SCHEMA_INVALID: {
    area: "register",
    summary: "An operation's input or output schema does not compile (ajv, strict mode, draft-07)",
    fix: "Fix the schema at the place ajv names.",
  },
  KILN_OPERATION_DEFINITION_INVALID: {
    area: "register",
    summary: "Something else is wrong with an operation definition: a bad permission name, no handler",
    fix: "See the message.",
  },

  // --- the store ---------------------------------------------------------------------------------
  KILN_STORE_OPEN_FAILED: {
    area: "store",
    summary: "The job store file cannot be opened",
    fix: "Check that the path is writable; the message has SQLite's reason.",
  },
  KILN_SQLITE_BINDING_MISSING: {
    area: "store",
    summary:
      "better-sqlite3's native binding cannot be loaded: never built (the package manager skipped its install script), built for another Node version, or built for another machine",
    fix: 'Never built: let its install script run (npm: no --ignore-scripts; pnpm 10: `pnpm approve-builds`, or `"pnpm": { "onlyBuiltDependencies": ["better-sqlite3"] }` in package.json; Yarn: no `enableScripts: false`). Then, and for the other two cases, rebuild it with the Node that runs the application: `npm rebuild better-sqlite3`, `pnpm rebuild better-sqlite3` or `yarn rebuild better-sqlite3`. The message names the package manager that installed it; see docs/installation.md.',
  },
  KILN_STORE_TOO_NEW: {
    area: "store",
    summary: "The store file was written by a newer Kiln",
    fix: "Upgrade @kiln/host, or use another file.",
  },
  KILN_STORE_BUSY: {
    area: "store",
    summary: "Another process held the store's lock for too long",
    fix: "Retry; raise `busyTimeoutMs` when several processes share one file.",
  },
  KILN_STORE_CLOSED: {
    area: "store",
    summary: "The store was used after `close()`",
    fix: "Close the store last, after the host.",
  },
  KILN_STORE_FAILED: {
    area: "store",
    summary: "SQLite failed (disk full, I/O error, a corrupt file)",
    fix: "See the message; the store's data up to the last commit is intact.",
  },
  KILN_STORE_KEY_INVALID: {
    area: "store",
    summary: "A key-value key is empty, too long, or not text",
    fix: "Use a non-empty string key of at most 1024 bytes.",
  },
  KILN_STORE_VALUE_INVALID: {
    area: "store",
    summary: "A value to store is not JSON data (NaN, a function, a cycle, a class instance, …)",
    fix: "Convert dates, maps, class instances and bigints to plain JSON first.",
  },

  // --- the plugin and bare modules ---------------------------------------------------------------
  KILN_JS_ERROR: {
    area: "plugin",
    summary: "JavaScript inside the plugin threw (its name, message and stack are included)",
    fix: "Fix the JavaScript at the place its stack shows.",
  },
  KILN_PLUGIN_TRAP: {
    area: "plugin",
    summary: "The plugin's Wasm trapped; the instance is never used again",
    fix: "A plugin bug or an exhausted engine resource: report it; a fresh instance works.",
  },
  KILN_WASI_EXIT: {
    area: "plugin",
    summary: "The module called WASI proc_exit",
    fix: "Return from the export instead of exiting.",
  },
  KILN_NOT_IN_HOST: {
    area: "plugin",
    summary: "SDK code ran outside a Kiln host (in plain Node, for example)",
    fix: "Run jobs through a host (`kiln run`, `ExtensionHost`).",
  },
  KILN_MODULE_FAILED: {
    area: "plugin",
    summary: "A bare Javy module run (`kiln run --plugin`) trapped or threw",
    fix: "See the message and the module's stderr.",
  },
  KILN_HOST_UNAVAILABLE: {
    area: "plugin",
    summary: "A host call in a bare Javy module run, where no host answers",
    fix: "Load the extension with `host.load` to give it operations.",
  },

  // --- options --------------------------------------------------------------------------------------
  KILN_INVALID_OPTION: {
    area: "options",
    summary: "An option given to a Kiln API is out of range (a rate, a size, a depth)",
    fix: "Use the range the message states.",
  },

  // --- @kiln/testing ------------------------------------------------------------------------------
  KILN_TEST_TIMEOUT: {
    area: "testing",
    summary: "A job run through `@kiln/testing` did not end within the run's `timeoutMs`; it was cancelled",
    fix: "Pass a larger `{ timeoutMs }` (default 30 s), or read the message's last log lines: the job may wait for an operation the test did not fake.",
  },
  KILN_TEST_NO_CHECKPOINT: {
    area: "testing",
    summary: "A test driver's job ended before the checkpoint it was to pause, cancel or crash after",
    fix: "Lower `afterCheckpoints`, or give the job input that makes it checkpoint more often.",
  },
  KILN_TEST_HOST_EXITED: {
    area: "testing",
    summary: "The process `crashAndResume` ran the first host in ended before the planned crash",
    fix: "Read the reason in the message (and the process's stderr above it); the first host needs `@kiln/testing`'s built `dist/crash-child.js`.",
  },
} as const satisfies Record<`KILN_${string}`, ErrorInfo>;

/** Every code in {@link ERRORS}. */
export type KilnErrorCode = keyof typeof ERRORS;

/** Options every {@link KilnError} takes. */
export interface KilnErrorOptions {
  /** The extension concerned, when there is one. */
  readonly extensionId?: string | undefined;
  /** The error that led to this one. */
  readonly cause?: unknown;
}

/**
 * Base class of every error a Kiln API throws: a stable `code` from {@link ERRORS}, a message that
 * says what went wrong, where and how to fix it, and (where known) the extension it concerns.
 * Branch on `code`, never on message text.
 */
export class KilnError extends Error {
  /** Stable, documented code (`KILN_MANIFEST_INVALID`, …). */
  readonly code: KilnErrorCode;
  /** The extension concerned, when there is one. */
  readonly extensionId: string | undefined;
  constructor(code: KilnErrorCode, message: string, options: KilnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.extensionId = options.extensionId;
  }
}

/** True when `code` is one of Kiln's own codes. */
export function isKilnErrorCode(code: unknown): code is KilnErrorCode {
  return typeof code === "string" && Object.hasOwn(ERRORS, code);
}

/**
 * True for a {@link KilnError}, also one from another copy of this package (two installed
 * versions, another realm): it checks the shape, not the prototype.
 */
export function isKilnError(error: unknown): error is KilnError {
  return error instanceof Error && isKilnErrorCode((error as { code?: unknown }).code);
}
