// The JavaScript half of visor_mem's sandbox (see visor_mem/expr/js.py).
//
// Evaluated once per QuickJS context.  js.py places it after PRELUDE_LINE - 1
// blank lines so that stack frames of this file (line >= PRELUDE_LINE) can be
// told apart from frames of user snippets (which start at line 1).
//
// It returns one dispatcher function and defines no helper globals: user code
// sees memory, session, outputs, outputs_history, pr, env, vars, args, log,
// console and the standard ECMAScript built-ins, all frozen.
(function (PRELUDE_LINE) {
  "use strict";
  const G = globalThis;
  const { parse, stringify } = JSON;
  const { freeze, defineProperty, getOwnPropertyNames, getOwnPropertyDescriptor, getPrototypeOf } = Object;
  const { isExtensible, setPrototypeOf } = Object;
  const { ownKeys, apply } = Reflect;
  const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
  const indirectEval = G.eval;
  const PromiseCtor = G.Promise;

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

  // The JSON text of a value; anything that is not a JSON value is a TypeError.
  function toText(value, what) {
    if (value === undefined) throw new TypeError(`${what} is undefined, which is not a JSON value (use null)`);
    try {
      return stringify(value, replacer);
    } catch (err) {
      throw new TypeError(`${what} is not a JSON value: ${err && err.message}`);
    }
  }

  function deepFreeze(value) {
    if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
      freeze(value);
      for (const key of ownKeys(value)) deepFreeze(value[key]);
    }
    return value;
  }

  // -- the memory mirror -----------------------------------------------------

  // namespace -> Map(key -> JSON text); texts make every read a deep copy.
  const mirrors = { memory: new Map(), session: new Map() };
  const defaults = { memory: "default", session: "default" };
  let ops = [];
  let logs = [];

  function memoryApi(scope) {
    const table = (ns) => mirrors[scope].get(ns);
    const writable = (ns) => {
      let entries = mirrors[scope].get(ns);
      if (entries === undefined) mirrors[scope].set(ns, (entries = new Map()));
      return entries;
    };
    const nsOf = (ns) => {
      if (ns === undefined || ns === null || ns === "") return defaults[scope];
      if (typeof ns !== "string") throw new TypeError(`${scope}: namespace must be a string, got ${typeOf(ns)}`);
      return ns;
    };
    const keyOf = (fn, key) => {
      if (typeof key !== "string") throw new TypeError(`${scope}.${fn}: key must be a string, got ${typeOf(key)}`);
      return key;
    };
    const record = (...op) => void ops.push([scope, ...op]);

    const api = {
      get(key, ns) {
        const text = table(nsOf(ns))?.get(keyOf("get", key));
        return text === undefined ? undefined : parse(text);
      },
      has(key, ns) {
        return table(nsOf(ns))?.has(keyOf("has", key)) === true;
      },
      list(ns) {
        return [...(table(nsOf(ns))?.keys() ?? [])];
      },
      getAll(ns) {
        const all = {};
        for (const [key, text] of table(nsOf(ns)) ?? []) {
          defineProperty(all, key, { value: parse(text), writable: true, enumerable: true, configurable: true });
        }
        return all;
      },
      listNamespaces() {
        return [...mirrors[scope].keys()];
      },
      set(key, value, ns) {
        keyOf("set", key);
        const name = nsOf(ns);
        const text = toText(value, `value of '${key}'`);
        writable(name).set(key, text);
        record("set", name, key, text);
        return value;
      },
      append(key, value, ns) {
        keyOf("append", key);
        const name = nsOf(ns);
        const text = toText(value, `value of '${key}'`);
        const oldText = table(name)?.get(key);
        const old = oldText === undefined ? undefined : parse(oldText);
        const list = old === undefined ? [] : Array.isArray(old) ? old : [old];
        list.push(parse(text));
        writable(name).set(key, stringify(list));
        record("append", name, key, text);
        return list;
      },
      increment(key, amount, ns) {
        keyOf("increment", key);
        const step = amount === undefined ? 1 : amount;
        if (typeof step !== "number" || !isFinite(step)) {
          throw new TypeError(`Increment amount must be a number, got ${typeOf(step)}`);
        }
        const name = nsOf(ns);
        const oldText = table(name)?.get(key);
        const old = oldText === undefined ? null : parse(oldText);
        if (old !== null && typeof old !== "number") {
          throw new TypeError(`Cannot increment non-numeric value at key '${key}' (type: ${typeOf(old)})`);
        }
        const result = (old ?? 0) + step;
        if (!isFinite(result)) throw new RangeError(`increment of '${key}' overflows to ${result}`);
        writable(name).set(key, stringify(result));
        record("increment", name, key, step);
        return result;
      },
      delete(key, ns) {
        keyOf("delete", key);
        const name = nsOf(ns);
        const entries = table(name);
        if (entries === undefined || !entries.delete(key)) return false;
        record("delete", name, key);
        return true;
      },
      clear(ns) {
        const name = nsOf(ns);
        if (mirrors[scope].delete(name)) record("clear", name);
      },
    };
    api.getItem = api.get;
    api.setItem = api.set;
    api.deleteItem = api.delete;
    return freeze(api);
  }

  function reorder(scope, order) {
    const data = mirrors[scope];
    const current = [...data.keys()];
    if (current.length === order.length && current.every((ns, i) => ns === order[i])) return;
    const ordered = new Map();
    for (const ns of order) ordered.set(ns, data.get(ns) ?? new Map());
    mirrors[scope] = ordered;
  }

  // -- outputs: read-only views that hand out a fresh copy per evaluation --------

  const latestTexts = new Map();
  const historyTexts = new Map();
  const latestCopies = new Map();
  const historyCopies = new Map();

  function readOnlyView(target, read) {
    return new Proxy(target, {
      get(t, key) {
        return typeof key === "string" && hasOwn(t, key) ? read(key) : t[key];
      },
      getOwnPropertyDescriptor(t, key) {
        const desc = getOwnPropertyDescriptor(t, key);
        if (desc !== undefined && typeof key === "string") desc.value = read(key);
        return desc;
      },
      set: () => false,
      defineProperty: () => false,
      deleteProperty: () => false,
      setPrototypeOf: () => false,
      preventExtensions: () => false,
    });
  }

  function cached(copies, key, make) {
    if (!copies.has(key)) copies.set(key, make());
    return copies.get(key);
  }

  const historyTarget = {};
  const historyView = readOnlyView(historyTarget, (step) =>
    cached(historyCopies, step, () => historyTexts.get(step).map((text) => parse(text))),
  );
  // forEach scopes (engine/foreach.py): what outputs[step] shows instead of the
  // latest output (the current item, a map step's aggregate), and outputs_raw.
  const overlayTexts = new Map();
  const rawTexts = new Map();
  const rawCopies = new Map();
  const outputsTarget = { history: true };
  const outputsView = readOnlyView(outputsTarget, (step) =>
    step === "history"
      ? historyView
      : cached(latestCopies, step, () => parse(overlayTexts.get(step) ?? latestTexts.get(step))),
  );
  const rawTarget = {};
  const rawView = readOnlyView(rawTarget, (step) =>
    cached(rawCopies, step, () => parse(rawTexts.get(step) ?? latestTexts.get(step))),
  );

  // The records of a patch (see MirrorSync in js_mirror.py), by their first element.
  const PATCH = {
    full(scope, namespaces) {
      mirrors[scope] = new Map(namespaces.map(([ns, entries]) => [ns, new Map(entries)]));
    },
    reload(scope, ns, entries) {
      if (entries === null) mirrors[scope].delete(ns);
      else mirrors[scope].set(ns, new Map(entries)); // in place: an "order" record moves it
    },
    set(scope, ns, key, text) {
      const mirror = mirrors[scope];
      let entries = mirror.get(ns);
      if (entries === undefined) mirror.set(ns, (entries = new Map()));
      entries.set(key, text);
    },
    del(scope, ns, key) {
      mirrors[scope].get(ns)?.delete(key);
    },
    order: reorder,
    overlay(step, text) {
      overlayTexts.set(step, text);
      outputsTarget[step] = true;
    },
    unshow(step) {
      overlayTexts.delete(step);
      if (!latestTexts.has(step)) delete outputsTarget[step];
    },
    raw(step, text) {
      rawTexts.set(step, text);
      rawTarget[step] = true;
    },
    output(step, text) {
      rawTarget[step] = true;
      latestTexts.set(step, text);
      const history = historyTexts.get(step);
      if (history === undefined) {
        historyTexts.set(step, [text]);
        outputsTarget[step] = true;
        historyTarget[step] = true;
      } else {
        history.push(text);
      }
    },
  };

  // -- log ----------------------------------------------------------------------

  function show(value) {
    if (typeof value === "string") return value;
    if (typeof value === "object" && value !== null) {
      try {
        return stringify(value);
      } catch {
        return String(value);
      }
    }
    return String(value);
  }
  const log = (...args) => void logs.push(args.map(show).join(" "));

  // -- globals and lockdown -------------------------------------------------------

  const OVERRIDABLE = new Set(["args"]);
  const OWN = new Set(); // globals this prelude defines (already frozen where they can be)
  // Every evaluation starts with a fresh, empty `args`: the same as being
  // passed `args: {}`, which the host therefore does not send.
  const resetArgs = () =>
    defineProperty(G, "args", { value: {}, writable: true, enumerable: false, configurable: true });

  function defineGlobals(init) {
    defaults.memory = init.memory_namespace;
    defaults.session = init.session_namespace;
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
    for (const [name, value] of Object.entries(globals)) {
      OWN.add(name);
      defineProperty(G, name, { value, writable: false, enumerable: false, configurable: false });
    }
    resetArgs();
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
        const desc = getOwnPropertyDescriptor(value, key);
        if ("value" in desc) walk(desc.value);
        else (walk(desc.get), walk(desc.set));
      }
      walk(getPrototypeOf(value));
    };
    for (const name of getOwnPropertyNames(G)) {
      if (OVERRIDABLE.has(name)) continue;
      if (name !== "globalThis" && !OWN.has(name)) walk(G[name]);
      defineProperty(G, name, { writable: false, configurable: false });
    }
    walk(getPrototypeOf(G));
    return new Set(getOwnPropertyNames(G));
  }

  // cleanGlobals must notice every global an evaluation adds.  Listing the
  // global object's ~70 names costs more than a whole simple evaluation, so it
  // is done only when needed: globals made by assignment, `var` or function
  // declarations are enumerable (a for-in sees them), and the only ways to add
  // a non-enumerable one are the functions wrapped here, which raise a flag.
  let defined = false;

  function watchDefinitions() {
    const watch = (holder, name) => {
      const original = holder[name];
      if (typeof original !== "function") return;
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
  let globalProto = null;
  let current = null; // the extras of the evaluation in progress

  function setExtras(extra) {
    current = extra;
    for (const [name, value] of Object.entries(extra)) {
      if (baseline.has(name) && !OVERRIDABLE.has(name)) {
        throw new TypeError(`'${name}' is a built-in global and cannot be passed as an extra`);
      }
      defineProperty(G, name, { value, writable: true, enumerable: false, configurable: true });
    }
  }

  function hasNewEnumerableGlobal() {
    for (const name in G) if (!baseline.has(name)) return true; // quickjs-ng's `performance` is enumerable
    return false;
  }

  // Undo the extras and drop every global the evaluation created.
  function cleanGlobals() {
    if (current !== null) {
      for (const name in current) if (!baseline.has(name)) delete G[name];
      current = null;
    }
    if (defined || hasNewEnumerableGlobal() || getPrototypeOf(G) !== globalProto || !isExtensible(G)) {
      sweepGlobals();
    }
    resetArgs();
  }

  function sweepGlobals() {
    // Nothing can make the global object extensible again: throwing here makes
    // the host discard this context and build a fresh one.
    if (!isExtensible(G)) throw new TypeError("the global object was frozen or sealed");
    defined = false;
    for (const name of getOwnPropertyNames(G)) if (!baseline.has(name)) delete G[name];
    if (getPrototypeOf(G) !== globalProto) setPrototypeOf(G, globalProto);
  }

  // -- snippets -------------------------------------------------------------------

  const snippets = [];
  const completionForm = indirectEval("(function (__visor_code) { return function () { return eval(__visor_code); }; })");

  function compileForm(code) {
    try {
      return indirectEval(`(function(){return (${code}\n)})`); // an expression
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
    }
    try {
      // A class static block accepts any statement except a top-level `return`:
      // such a body runs through eval, whose completion value is the result.
      indirectEval(`(function(){class __V{static{${code}\n}}})`);
      return completionForm(code);
    } catch {
      return indirectEval(`(function(){${code}\n})`); // a body with `return`
    }
  }

  function lineOf(err) {
    const stack = typeof err?.stack === "string" ? err.stack : "";
    for (const match of stack.matchAll(/<input>:(\d+):\d+/g)) {
      const line = Number(match[1]);
      if (line < PRELUDE_LINE) return line;
    }
    return null;
  }

  function describe(err) {
    // QuickJS throws null when it cannot even allocate its out-of-memory error.
    if (err === null) return { kind: "memory", name: "InternalError", message: "out of memory", line: null };
    if (typeof err !== "object") return { kind: "throw", name: "Uncaught", message: show(err), line: null };
    const oom = err instanceof InternalError && /out of memory|string too long/.test(err.message);
    const name = typeof err.name === "string" ? err.name : "Error";
    const message = typeof err.message === "string" ? err.message : show(err);
    return { kind: oom ? "memory" : "throw", name, message, line: lineOf(err) };
  }

  function resultText(value) {
    const t = typeof value;
    if (value === undefined || value === null) return "null";
    if (t === "string" || t === "boolean" || (t === "number" && isFinite(value))) return stringify(value);
    return toText(value, "the result");
  }

  function compile(code) {
    try {
      snippets.push(compileForm(code));
      return stringify({ ok: true, id: snippets.length - 1 });
    } catch (err) {
      return stringify({ ok: false, error: describe(err) });
    }
  }

  function sync(patchText) {
    for (const record of parse(patchText)) PATCH[record[0]](record[1], record[2], record[3], record[4]);
  }

  // The common result is the value's JSON text alone; with writes, logs or an
  // error, "!" and a JSON object (a JSON text never starts with "!").
  function run(id, extraText, patchText) {
    if (patchText) sync(patchText);
    if (ops.length > 0) ops = [];
    if (logs.length > 0) logs = [];
    if (latestCopies.size > 0) latestCopies.clear();
    if (historyCopies.size > 0) historyCopies.clear();
    if (rawCopies.size > 0) rawCopies.clear();
    let ok = true;
    let text;
    try {
      if (extraText) setExtras(parse(extraText));
      text = resultText(snippets[id]());
    } catch (err) {
      ok = false;
      text = stringify(describe(err));
    } finally {
      cleanGlobals();
    }
    if (ok && ops.length === 0 && logs.length === 0) return text;
    return `!{"ok":${ok},"${ok ? "value" : "error"}":${text},"ops":${stringify(ops)},"logs":${stringify(logs)}}`;
  }

  // After an uncatchable interrupt (time limit) or out-of-memory error: clean up
  // and hand back what the evaluation did, so the host can resynchronise.
  function abort() {
    cleanGlobals();
    const result = stringify({ ops, logs });
    ops = [];
    logs = [];
    return result;
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
    watchDefinitions();
    globalProto = getPrototypeOf(G);
    baseline = lockdown();
  }

  const commands = { init, compile, sync, run, abort };
  return function dispatch(command, a, b, c) {
    return commands[command](a, b, c);
  };
});
