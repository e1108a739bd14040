// The JavaScript half of visor_mem's sandbox (see visor_mem/expr/js.py).
//
// Evaluated once per QuickJS context, after PRELUDE_LINE - 1 blank lines so
// that stack frames of this file (line >= PRELUDE_LINE) can be told apart
// from frames of snippets (which start at line 1).
//
// It holds no copy of any store: `memory`, `session` and `outputs` call the
// host (js_host.py) through one function captured here and removed from the
// global object, so the memory rules live in Python only.  Every string that
// crosses to the host is a JSON.stringify result: those are flat strings (the
// binding cannot convert QuickJS's rope strings, tag -6), and lone surrogates
// arrive as visible \udXXX escapes that the host refuses.
//
// It returns one dispatcher; the functions it closes over are reachable from
// no global, and user code sees memory, session, outputs, outputs_history,
// pr, env, vars, args, log, console, the extras of the evaluation, the
// helpers of the context (EvalContext.js_globals / js_helpers) and the
// standard built-ins, all frozen.
(function (PRELUDE_LINE) {
  "use strict";
  const G = globalThis;
  const { parse, stringify } = JSON;
  const { freeze, defineProperty, getOwnPropertyNames, getOwnPropertySymbols, getPrototypeOf } = Object;
  const { isExtensible, create } = Object;
  const { ownKeys, apply, deleteProperty, setPrototypeOf } = Reflect;
  const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
  const indirectEval = G.eval;
  const PromiseCtor = G.Promise;
  const host = G.__visor_host;
  delete G.__visor_host;

  // -- JSON values ---------------------------------------------------------

  const typeOf = (value) => (value === null ? "object" : typeof value);

  function refuse(value) {
    const t = typeof value;
    if (t === "function" || t === "symbol" || t === "bigint") return `a ${t}`;
    if (t === "number" && !isFinite(value)) return String(value);
    if (value instanceof PromiseCtor) return "a Promise (async code is not supported)";
    return null;
  }

  function replacer(key, value) {
    const why = refuse(value);
    if (why !== null) throw new TypeError(`${why}${key === "" ? "" : ` at '${key}'`}`);
    return value;
  }

  // The JSON text of a value (a flat string); anything else is a TypeError.
  function toText(value, what) {
    if (value === undefined) throw new TypeError(`${what} is undefined, which is not a JSON value (use null)`);
    let text;
    try {
      text = stringify(value, replacer);
    } catch (err) {
      throw new TypeError(`${what} is not a JSON value: ${err && err.message}`);
    }
    if (typeof text !== "string") throw new TypeError(`${what} is not a JSON value: its toJSON() gave undefined`);
    return text;
  }

  function deepFreeze(value) {
    const t = typeof value;
    if ((t === "object" || t === "function") && value !== null && !Object.isFrozen(value)) {
      freeze(value);
      for (const key of ownKeys(value)) deepFreeze(value[key]);
    }
    return value;
  }

  // -- calls into the host ------------------------------------------------------

  const ERRORS = { TypeError, RangeError, Error };

  // A host answer is a JSON text, "" for undefined, or "!" + [name, message].
  function answer(text) {
    if (text === "") return undefined;
    if (text.charCodeAt(0) !== 33) return parse(text);
    const [name, message] = parse(text.slice(1));
    throw new (ERRORS[name] ?? Error)(message);
  }

  const call = (head, valueText) => answer(host(stringify(head), valueText ?? ""));

  // -- memory and session ----------------------------------------------------------

  function memoryApi(scope) {
    const nsOf = (ns) => {
      if (ns === undefined || ns === null || ns === "") return null;
      if (typeof ns !== "string") throw new TypeError(`${scope}: namespace must be a string, got ${typeOf(ns)}`);
      return ns;
    };
    const keyOf = (fn, key) => {
      if (typeof key !== "string") throw new TypeError(`${scope}.${fn}: key must be a string, got ${typeOf(key)}`);
      return key;
    };
    const read = (op) => (key, ns) => call([scope, op, nsOf(ns), keyOf(op, key)]);
    const write = (op) => (key, value, ns) => {
      keyOf(op, key);
      const name = nsOf(ns);
      return call([scope, op, name, key], toText(value, `value of '${key}'`));
    };
    const api = {
      get: read("get"),
      has: read("has"),
      list: (ns) => call([scope, "list", nsOf(ns), null]),
      getAll: (ns) => call([scope, "getAll", nsOf(ns), null]),
      listNamespaces: () => call([scope, "listNamespaces", null, null]),
      set: write("set"),
      append: write("append"),
      increment(key, amount, ns) {
        keyOf("increment", key);
        const name = nsOf(ns);
        // JSON cannot carry NaN or the infinities; every other check is the host's.
        if (typeof amount === "number" && !isFinite(amount)) {
          throw new TypeError(`Increment amount must be a number, got ${amount}`);
        }
        return call([scope, "increment", name, key], amount === undefined ? "" : toText(amount, "the amount"));
      },
      delete: read("delete"),
      clear: (ns) => void call([scope, "clear", nsOf(ns), null]),
    };
    api.getItem = api.get;
    api.setItem = api.set;
    api.deleteItem = api.delete;
    return freeze(api);
  }

  // -- outputs: read-only views over the host's ledger, one copy per evaluation --------

  let copies = new Map(); // "latest:<step>" / "history:<step>" -> this evaluation's copy

  function fetched(kind, step) {
    const id = `${kind}:${step}`;
    if (!copies.has(id)) copies.set(id, call(["outputs", kind, null, step]));
    return copies.get(id);
  }

  // A step named like an Object.prototype member (constructor, toString,
  // __proto__, ...) is found first; other names behave as on a plain object.
  function readOnlyView(kind, extra) {
    const own = (key) => typeof key === "string" && (hasOwn(extra, key) || fetched(kind, key) !== undefined);
    const value = (key) => (hasOwn(extra, key) ? extra[key] : fetched(kind, key));
    return new Proxy(create(null), {
      get: (t, key) => (own(key) ? value(key) : Object.prototype[key]),
      has: (t, key) => own(key),
      ownKeys: () => [...ownKeys(extra), ...fetched(`${kind}-names`, "")],
      getOwnPropertyDescriptor: (t, key) =>
        own(key) ? { value: value(key), writable: false, enumerable: true, configurable: true } : undefined,
      set: () => false,
      defineProperty: () => false,
      deleteProperty: () => false,
      setPrototypeOf: () => false,
      preventExtensions: () => false,
      getPrototypeOf: () => Object.prototype,
      isExtensible: () => true,
    });
  }

  const historyView = readOnlyView("history", freeze(create(null)));
  const outputsView = readOnlyView("latest", freeze({ __proto__: null, history: historyView }));
  // forEach (engine/foreach.py): a producer's whole list; other steps' latest output.
  const rawView = readOnlyView("raw", freeze(create(null)));

  // -- log ----------------------------------------------------------------------

  let logs = [];

  function show(value) {
    if (typeof value === "string") return value;
    if (typeof value === "object" && value !== null) {
      try {
        const text = stringify(value);
        if (typeof text === "string") return text;
      } catch {}
    }
    try {
      return String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  const log = (...args) => void logs.push(args.map(show).join(" "));

  // -- globals and lockdown -------------------------------------------------------

  const OVERRIDABLE = new Set(["args"]);
  const HELPERS = create(null); // EvalContext.js_helpers, by name
  const OWN = new Set(); // globals this prelude defines (already frozen where they can be)
  // Every evaluation starts with a fresh, empty `args`: the same as being
  // passed `args: {}`, which the host therefore does not send.
  const resetArgs = () =>
    Reflect.defineProperty(G, "args", { value: {}, writable: true, enumerable: false, configurable: true });

  function defineGlobal(name, value) {
    OWN.add(name);
    defineProperty(G, name, { value, writable: false, enumerable: false, configurable: false });
  }

  function defineGlobals(init) {
    const globals = {
      memory: memoryApi("memory"),
      session: memoryApi("session"),
      outputs: outputsView,
      outputs_history: historyView,
      outputs_raw: rawView,
      pr: deepFreeze(parse(init.pr)),
      env: deepFreeze(parse(init.env)),
      vars: deepFreeze(parse(init.vars)),
      log: freeze(log),
      console: freeze({ log, info: log, warn: log, error: log, debug: log }),
    };
    for (const [name, value] of Object.entries(globals)) defineGlobal(name, value);
    for (const [name, text] of init.values) defineGlobal(name, deepFreeze(parse(text)));
    // Helpers are JS source evaluated once here, before the lockdown freezes them.
    // A helper named "__..." is no global: it only wraps extras (`wrap`, see setExtras).
    for (const [name, source] of init.helpers) {
      HELPERS[name] = deepFreeze(indirectEval(`(${source}\n)`));
      if (!name.startsWith("__")) defineGlobal(name, HELPERS[name]);
    }
    resetArgs();
  }

  // quickjs-ng keeps Error.prepareStackTrace and Error.stackTraceLimit in the
  // context behind accessors, which freezing does not stop (a setter still
  // sets).  prepareStackTrace would hand user code CallSite objects whose
  // getFunction() returns the bridge's own functions.  Both become plain
  // read-only values, so the engine's internal ones keep their defaults.
  function neutraliseStackHooks() {
    const limit = Error.stackTraceLimit;
    defineProperty(Error, "prepareStackTrace", { value: undefined, writable: false, configurable: false });
    defineProperty(Error, "stackTraceLimit", { value: limit, writable: false, configurable: false });
  }

  // Freeze every built-in reachable from the global object, so no evaluation
  // can change what the next one (or this prelude) sees.
  function lockdown() {
    delete G.queueMicrotask;
    const seen = new Set();
    const walk = (value) => {
      if ((typeof value !== "object" && typeof value !== "function") || value === null || seen.has(value)) return;
      seen.add(value);
      freeze(value);
      for (const key of ownKeys(value)) {
        const desc = Object.getOwnPropertyDescriptor(value, key);
        if ("value" in desc) walk(desc.value);
        else (walk(desc.get), walk(desc.set));
      }
      walk(getPrototypeOf(value));
    };
    for (const name of ownKeys(G)) {
      if (OVERRIDABLE.has(name)) continue;
      if (name !== "globalThis" && !OWN.has(name)) walk(G[name]);
      defineProperty(G, name, { writable: false, configurable: false });
    }
    walk(getPrototypeOf(G));
    return new Set(ownKeys(G));
  }

  // cleanGlobals must notice every global an evaluation adds.  Listing the
  // global object's ~70 names costs more than a whole simple evaluation, so it
  // is done only when needed: string-named globals made by assignment are
  // enumerable (a for-in sees them), symbol-named ones change the symbol
  // count, and the only ways to add a non-enumerable one are the functions
  // wrapped here, which raise a flag.
  let defined = false;

  function watchDefinitions() {
    const watch = (holder, name) => {
      const original = holder[name];
      const watched = {
        [name](...rest) {
          defined = true;
          return apply(original, this, rest);
        },
      }[name];
      defineProperty(watched, "length", { value: original.length });
      defineProperty(holder, name, { value: watched, writable: true, enumerable: false, configurable: true });
    };
    watch(Object, "defineProperty");
    watch(Object, "defineProperties");
    watch(Reflect, "defineProperty");
    watch(Error, "captureStackTrace");
  }

  let baseline = new Set();
  let baselineSymbols = 0;
  let globalProto = null;
  let current = null; // the extras of the evaluation in progress

  // `wrap` maps an extra's name to the helper that turns its JSON value into
  // the object the snippet sees.  The `__smart` extra (steps/command.py) lists
  // extras to show as Visor's JSON-aware strings (the __visorJsonSmart helper,
  // expr/js_visor.py): the same as wrapping them with that helper.
  const SMART = "__smart";

  function setExtras(extra, wrap) {
    current = extra;
    const smart = Array.isArray(extra[SMART]) ? extra[SMART] : [];
    for (const [name, value] of Object.entries(extra)) {
      if (name === SMART) continue;
      if (baseline.has(name) && !OVERRIDABLE.has(name)) {
        throw new TypeError(`'${name}' is a built-in global and cannot be passed as an extra`);
      }
      const helperName = hasOwn(wrap, name) ? wrap[name] : smart.includes(name) ? "__visorJsonSmart" : null;
      const helper = helperName === null ? null : HELPERS[helperName];
      if (helperName !== null && typeof helper !== "function") throw new TypeError(`no helper '${helperName}'`);
      const seen = helper === null ? value : helper(value);
      defineProperty(G, name, { value: seen, writable: true, enumerable: false, configurable: true });
    }
  }

  function hasNewGlobal() {
    for (const name in G) if (!baseline.has(name)) return true; // quickjs-ng's `performance` is enumerable
    return getOwnPropertySymbols(G).length !== baselineSymbols;
  }

  // Undo the extras and drop every global the evaluation created.  Returns
  // false when that is impossible (a non-configurable global, a frozen global
  // object): the host then discards this context after the evaluation.
  function cleanGlobals() {
    let clean = true;
    if (current !== null) {
      for (const name in current) if (!baseline.has(name)) deleteProperty(G, name);
      current = null;
    }
    if (defined || hasNewGlobal() || getPrototypeOf(G) !== globalProto || !isExtensible(G)) {
      clean = sweepGlobals();
    }
    return resetArgs() && clean;
  }

  function sweepGlobals() {
    defined = false;
    let clean = isExtensible(G);
    for (const name of ownKeys(G)) if (!baseline.has(name) && !deleteProperty(G, name)) clean = false;
    if (getPrototypeOf(G) !== globalProto && !setPrototypeOf(G, globalProto)) clean = false;
    return clean;
  }

  // -- snippets -------------------------------------------------------------------

  // Sources come from js_compile.py, which checked in a throw-away context
  // that the snippet stays inside its wrapper: evaluating them runs nothing.
  const snippets = [];
  const completionForm = indirectEval("(function (__visor_code) { return function () { return eval(__visor_code); }; })");

  function compile(formText) {
    const [form, source, code] = parse(formText);
    snippets.push(form === "statements" ? completionForm(code) : indirectEval(source));
    return snippets.length - 1;
  }

  function lineOf(err) {
    let stack = "";
    try {
      stack = typeof err?.stack === "string" ? err.stack : "";
    } catch {}
    for (const match of stack.matchAll(/<input>:(\d+):\d+/g)) {
      const line = Number(match[1]);
      if (line < PRELUDE_LINE) return line;
    }
    return null;
  }

  function describe(err) {
    // QuickJS throws null when it cannot even allocate its out-of-memory error.
    if (err === null) return { kind: "memory", name: "InternalError", message: "out of memory", line: null };
    if (typeof err !== "object" && typeof err !== "function") {
      return { kind: "throw", name: "Uncaught", message: show(err), line: null };
    }
    let name = "Error";
    let message = "";
    try {
      name = typeof err.name === "string" ? err.name : "Error";
      message = typeof err.message === "string" ? err.message : show(err);
    } catch {
      message = "an exception whose message cannot be read";
    }
    const oom = err instanceof InternalError && /out of memory|string too long/.test(message);
    return { kind: oom ? "memory" : "throw", name, message, line: lineOf(err) };
  }

  function resultText(value) {
    const t = typeof value;
    if (value === undefined || value === null) return "null";
    if (t === "string" || t === "boolean" || (t === "number" && isFinite(value))) return stringify(value);
    return toText(value, "the result");
  }

  // The evaluation's record, for the host to fetch when `run` answers 0.
  let record = null;

  // One evaluation.  The common answer is the value's JSON text alone; with
  // logs, an error or a context to discard, it is 0 and `details` hands over
  // one JSON text: [ok, value text or error, logs, clean].
  function run(id, extraText, wrapText) {
    logs = [];
    copies = new Map();
    record = null;
    let ok = true;
    let text;
    try {
      if (extraText) setExtras(parse(extraText), wrapText ? parse(wrapText) : create(null));
      text = resultText(snippets[id]());
    } catch (err) {
      ok = false;
      text = describe(err);
    }
    const clean = cleanGlobals();
    if (ok && clean && logs.length === 0) return text;
    record = [ok, text, logs, clean];
    return 0;
  }

  function details() {
    const text = stringify(record);
    record = null;
    return text;
  }

  // After an uncatchable interrupt or out-of-memory error: clean up and hand
  // back the log lines of the evaluation.
  function abort() {
    cleanGlobals();
    const text = stringify(logs);
    logs = [];
    return text;
  }

  // Visor hands command output to JavaScript as text; here it is already a
  // value.  So JSON.parse of a non-string returns it unchanged instead of
  // throwing on "[object Object]": Visor's `JSON.parse(output)` keeps working.
  function lenientJsonParse() {
    JSON.parse = function (text, reviver) {
      return typeof text === "string" ? parse(text, reviver) : text;
    };
  }

  function init(initText) {
    lenientJsonParse();
    defineGlobals(parse(initText));
    neutraliseStackHooks();
    watchDefinitions();
    globalProto = getPrototypeOf(G);
    baseline = lockdown();
    baselineSymbols = getOwnPropertySymbols(G).length;
    return 0;
  }

  const commands = { init, compile, run, details, abort };
  return function dispatch(command, a, b, c) {
    return commands[command](a, b, c);
  };
});
