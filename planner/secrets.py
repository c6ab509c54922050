"""One set of rules for what is a credential, shared by everything that shows, stores or sends text. Pure.

Used by the explain redactor (before anything goes to a model), apply's error trimmer, drift's value diff,
the check runner (evidence copied from pod messages and events) and the resolver (which refuses plain-text
credentials in the stack file and `--set`).

Names: a key is *strong* when its words say it holds a credential (`password`, `adminpw`, `HF_TOKEN`,
`clientSecret`, `apiKey`, `secretKey`, `privateKey`, `credentials`, `client-key-data`, `OPENAI_KEY`,
`Authorization`), *weak* when it only might (`key`, `topologyKey`, `auth`): a weak key's value is hidden
unless it looks like a Kubernetes name. A *reference* names where a credential lives and is never hidden
(`existingSecret`, `secretName`, `secretKeyRef`, `passwordKey`, `userKey`, `tokenFile`, `imagePullSecrets`).

Values: private keys, JWTs, AWS keys, well-known API token prefixes, URL userinfo, `Bearer`/`Basic`
credentials and long base64 runs (or shorter ones that decode to `user:pass` or key material) are
credentials wherever they occur.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, cast


class _Lazy:
    """A regular expression compiled on first use: planning imports this module but matches few of its
    patterns, and compiling all of them costs more than the rest of `stackplan plan` (benchmarks/plan_speed.py)."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        return getattr(self._compiled, name)


def _lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return cast("re.Pattern[str]", _Lazy(pattern, flags))


REDACTED = "[REDACTED]"
MASK = "***"

# ---------------------------------------------------------------------------------------------- names
_WORD = _lazy(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_STRONG_WORDS = {"password", "passwords", "passwd", "passphrase", "pass", "pwd", "pw", "secret", "secrets",
                 "token", "tokens", "credential", "credentials", "creds", "apikey", "apikeys", "apitoken",
                 "authorization", "cookie", "cookies", "dsn", "privatekey", "secretkey", "accesskey", "bearer"}
_STRONG_SUFFIXES = ("password", "passwd", "pwd", "pw", "token", "secret", "apikey")
# `<word>Key` that is a credential itself (not the name of a key inside a Secret)
_KEY_OWNERS = {"api", "access", "secret", "private", "client", "signing", "encryption", "decryption", "master", "ssh",
               "license", "hmac", "session", "storage", "shared", "account", "webhook", "root", "gpg", "pgp", "jwt",
               "crypt", "enc", "sign", "deploy", "subscription", "service"}
# `<word>Key` naming the key inside a Secret that holds the credential: passwordKey, userKey, tokenKey
_KEY_NAMERS = {"password", "passwd", "pass", "user", "username", "login", "token", "cert", "certificate", "ca", "tls",
               "email", "id", "name", "config", "host", "port", "database", "db", "url", "endpoint", "bucket",
               "region"}
# a last word that makes the key a pointer to, or a setting about, a credential rather than one
_REF_LAST = {"name", "names", "ref", "refs", "file", "files", "path", "paths", "dir", "mount", "env", "envs", "var",
             "vars", "enabled", "enable", "create", "created", "annotations", "labels", "mode", "type", "policy",
             "length", "ttl", "duration", "expiry", "expiration", "period", "seconds", "minutes", "hours", "days",
             "audience", "audiences", "issuer", "url", "uri", "endpoint", "size", "provider", "selector",
             "namespace", "source", "from", "format", "field", "volume", "volumes", "template", "class", "kind",
             "version", "header", "rotation", "store", "backend", "count", "lifetime", "annotation", "label",
             "ready", "required", "optional", "generate", "validity"}
# path segments under which `key` is a label/taint key, never a credential
_NAME_CONTEXTS = {"taints", "tolerations", "matchexpressions", "nodeselectorterms", "topologyspreadconstraints",
                  "affinity", "labelselector"}


def _segments(name: str) -> list[str]:
    return [s for s in re.split(r"[./\[\]]", name.strip().strip("'\"").lstrip("-")) if s and not s.isdigit()]


def words(key: str) -> list[str]:
    """`adminPassword` -> [admin, password]; `HF_TOKEN` -> [hf, token]; `client-key-data` -> [client, key, data]."""
    return [w.lower() for w in _WORD.findall(key)]


@functools.lru_cache(maxsize=4096)
def _kind(name: str) -> str:
    """'strong', 'weak', 'reference' or '' for one key name (a path's leaf decides; a label context clears)."""
    segs = _segments(name)
    if not segs:
        return ""
    leaf = segs[-1]
    w = words(leaf)
    if not w:
        return ""
    if w[-1] == "key" and len(w) > 1 and w[-2] in _KEY_NAMERS:
        return "reference"
    if w[-2:] == ["pull", "secrets"] or w[-1] == "secretkeyref":
        return "reference"
    if "existing" in w or (len(w) > 1 and w[-1] in _REF_LAST):  # existingSecret, secretName, tokenFile
        rest = [x for x in w if x != "existing"]
        rest = rest[:-1] if rest and rest[-1] in _REF_LAST else rest
        return "reference" if rest and _words_kind(rest, leaf) else ""
    kind = _words_kind(w, leaf)
    if kind == "weak" and any(s.lower() in _NAME_CONTEXTS for s in segs[:-1]):
        return ""
    return kind


def _words_kind(w: list[str], leaf: str) -> str:
    if any(x in _STRONG_WORDS or x.endswith(_STRONG_SUFFIXES) for x in w):
        return "strong"
    if ("key" in w and w.index("key") > 0 and w[w.index("key") - 1] in _KEY_OWNERS) or w[-2:] == ["key", "data"]:
        return "strong"
    if w[-2:] in (["connection", "string"], ["conn", "str"]):
        return "strong"
    if w[-1] == "key" and len(w) > 1 and re.fullmatch(r"[A-Z0-9_]+", leaf):
        return "strong"  # OPENAI_KEY, API_KEY: env variables ending in _KEY hold keys
    if w[-1] == "key" or "auth" in w:
        return "weak"
    return ""


def is_secret_key(key: str) -> bool:
    """True when a key, variable, annotation or field path with this name may hold a credential."""
    return _kind(key) in ("strong", "weak")


def is_credential_key(key: str) -> bool:
    """True when the name says plainly that it holds a credential (`password`, `token`, `apiKey`, ...)."""
    return _kind(key) == "strong"


def is_reference_key(key: str) -> bool:
    """True for names that point at a credential (`existingSecret`, `secretName`, `passwordKey`, `*Ref`)."""
    return _kind(key) == "reference"


# --------------------------------------------------------------------------------------------- values
_EMPTY = {"", "true", "false", "null", "nil", "none", "<none>", "[]", "{}", "0", "-", "''", '""'}
_PLACEHOLDER = _lazy(r"^(\$\{[^}]*\}|\$\([^)]*\)|\{\{.*\}\}|<[^<>]*>|\*+|\[REDACTED\])$")
_QUALIFIED_NAME = _lazy(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*"
                             r"(/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)?$")


def is_empty_value(value: str) -> bool:
    """No credential in it: empty, null, a boolean, a placeholder (`${VAR}`, `$(VAR)`, `<token>`), masked."""
    v = value.strip().strip("\"'")
    return v.lower() in _EMPTY or bool(_PLACEHOLDER.match(v)) or REDACTED in v


def is_name_like(value: str) -> bool:
    """A Kubernetes name or label key (`kubernetes.io/hostname`, `dedicated`), not a credential."""
    v = value.strip().strip("\"'")
    return bool(_QUALIFIED_NAME.match(v)) and ("." in v or "/" in v or v.isalpha())


def _word_like(value: str) -> bool:
    """Prose after `password ` / `token `: a lower-case word or name, not a credential."""
    v = value.strip("\"'")
    return len(v) < 4 or bool(re.fullmatch(r"[a-z0-9._/-]*", v)) or bool(re.fullmatch(r"[A-Z]?[a-z]+[.:]?", v))


# ------------------------------------------------------------------------------------- free-text rules
Rule = tuple[str, re.Pattern[str], Callable[[re.Match[str], str], str]]


def _whole(m: re.Match[str], marker: str) -> str:
    return marker


def _unless_word(name: str) -> Callable[[re.Match[str], str], str]:
    """`Bearer x`, `basic auth x`: hide `x` unless it is an ordinary word (`basic authentication failed`)."""
    def repl(m: re.Match[str], marker: str) -> str:
        return m.group(0) if re.fullmatch(r"[A-Z]?[a-z]+", m[name]) else _group(name)(m, marker)
    return repl


def _group(name: str) -> Callable[[re.Match[str], str], str]:
    def repl(m: re.Match[str], marker: str) -> str:
        start, end = m.span(name)
        if start < 0 or is_empty_value(m[name]):
            return m.group(0)
        value = m[name]
        quote = value[0] if value[:1] in "\"'" and len(value) > 1 and value[-1] == value[0] else ""
        text = m.group(0)
        return text[:start - m.start()] + f"{quote}{marker}{quote}" + text[end - m.start():]
    return repl


_VALUE = r"""(?P<value>"(?:[^"\\]|\\.)*"|'[^']*'|\$\{[^}\s]*\}|\$\([^)\s]*\)|[^\s,;}\]&"']+)"""
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

_BLOCK_RULES: list[Rule] = [
    ("private-key", _lazy(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY"
                               r"[A-Z ]*-----|$)", re.S), _whole),
    ("certificate", _lazy(r"-----BEGIN CERTIFICATE-----.*?(-----END CERTIFICATE-----|$)", re.S), _whole),
    ("last-applied-configuration", _lazy(re.escape(_LAST_APPLIED) + r"[\"']?\s*[:=]\s*(?P<value>.*)", re.S),
     _group("value")),
]
_TOKEN_RULES: list[Rule] = [
    ("url-userinfo", _lazy(r"(?i)\b[a-z][a-z0-9+.-]*://(?P<value>[^/\s@\"']+)@"), _group("value")),
    ("authorization", _lazy(r"(?i)\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?"
                                 r"(?:(?:bearer|basic|token|digest|negotiate)\s+)?(?P<value>[^\s,;\"']+)"),
     _group("value")),
    ("basic-auth", _lazy(r"(?i)\bbasic(?:[ \t]+auth(?:entication)?)?[ \t]*[:=]?[ \t]+"
                              r"(?P<value>[^\s,;\"':]+:[^\s,;\"']+|[A-Za-z0-9+/]{8,}={0,2})"), _unless_word("value")),
    ("bearer", _lazy(r"(?i)\bbearer\s+(?P<value>[A-Za-z0-9._~+/=-]{8,})"), _unless_word("value")),
    ("cli-password", _lazy(r"\b(?:mysql|mariadb|mysqladmin|mysqldump)\b[^\n|;&]*?\s-p[ \t]*(?P<value>[^\s-]\S*)"
                                r"|\bredis-cli\b[^\n|;&]*?\s-a[ \t]+(?P<value2>\S+)"), lambda m, mk: (
        _group("value")(m, mk) if m["value"] else _group("value2")(m, mk))),
    ("jwt", _lazy(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), _whole),
    ("aws-access-key", _lazy(r"\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"), _whole),
    ("api-token", _lazy(r"\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|xox[abprs]-[A-Za-z0-9-]{10,}|"
                             r"sk-[A-Za-z0-9_-]{20,}|hf_[A-Za-z0-9]{20,}|AIza[0-9A-Za-z_-]{35}|glpat-[A-Za-z0-9_-]{20,})"),
     _whole),
]
_SECRET_DATA = _lazy(r"(?P<name>\b(?:string)?[dD]ata(?:\.[\w.-]+|\[[^\]]+\]))\s*[:=]\s*(?P<value>\S+)")
_ENV_PAIR = _lazy(r"""(?<![\w-])["']?name["']?\s*[:=]\s*["']?(?P<name>[A-Za-z_][\w.-]*)["']?\s*,?\s*-?\s*"""
                       r"""["']?value["']?\s*[:=]\s*""" + _VALUE)
# a name and its separator; the value is matched only after a credential-like name (linear on any input)
_NAME_SEP = _lazy(r"""(?<![\w.\-/])(?P<q>["']?)(?P<name>-{0,2}[A-Za-z_][\w.\-/\[\]]*)(?P=q)"""
                       r"""(?P<sep>[ \t]*:?=[ \t]*|:[ \t]*|[ \t]+)""")  # `volume "x-token" : secret` is prose
_VALUE_AT = _lazy(_VALUE)
_SCHEMES = {"bearer", "basic", "token", "digest", "negotiate"}
_BASE64 = _lazy(r"(?<![\w:/+=.@-])[A-Za-z0-9+/]{12,}={0,2}(?![\w+/=.-])")
_DECODED_SECRET = _lazy(r"^[^\s:]{1,64}:\S+$|PRIVATE KEY|(?i:password|passwd|token|secret)\s*[:=]")


def _redact_assignments(text: str, marker: str, counts: Counter[str]) -> str:
    """`name=value`, `name: value`, `"name": "value"`, `--name value` for every credential-like name."""
    out: list[str] = []
    pos = 0
    while (m := _NAME_SEP.search(text, pos)) is not None:
        name, sep = m["name"], m["sep"]
        kind = "" if re.match(r"[A-Z][A-Za-z]*/", name) else _kind(name)  # `Secret/ns/x` is a reference, not a key
        v = _VALUE_AT.match(text, m.end()) if kind else None
        if v is None:
            out.append(text[pos:m.end("name")])
            pos = m.end("name")
            continue
        value, flag = v["value"], name.startswith("-")
        hide = kind == "strong" or (kind == "weak" and not is_name_like(value))
        if hide and not sep.strip():  # `key value`: flags, or prose followed by something that is no plain word
            hide = (flag and not value.startswith("-")) or (
                kind == "strong" and not flag and words(name)[-1:] not in (["secret"], ["secrets"])
                and not _word_like(value))
        if hide and (is_empty_value(value) or value.lower() in _SCHEMES or value[:1] in "{["):
            hide = False
        if not hide:  # a reference's value (`passwordKey: admin-password`) is a name; any other may hold the
            # next `name=value` (`log: token=x`, `args: --password x`)
            end = v.end() if kind == "reference" and sep.strip() and not re.search(r"[=:\s]", value) else m.end("name")
            out.append(text[pos:end])
            pos = end
            continue
        quote = value[0] if value[:1] in "\"'" else ""
        out.append(text[pos:v.start("value")] + f"{quote}{marker}{quote}")
        counts["credential-value"] += 1
        pos = v.end()
    out.append(text[pos:])
    return "".join(out)


def _decodes_to_secret(run: str) -> bool:
    import base64  # only for a base64-looking run: most values have none
    import binascii

    core = run.rstrip("=")
    core = core[: len(core) - 1] if len(core) % 4 == 1 else core  # a truncated run: decode what is whole
    try:
        decoded = base64.b64decode(core + "=" * (-len(core) % 4), validate=True).decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    return decoded.replace("\n", "").replace("\r", "").replace("\t", "").isprintable() and bool(
        _DECODED_SECRET.search(decoded))


def _blob(run: str) -> str | None:
    """The rule that makes a base64-looking run a credential, or None (names, paths, words are not)."""
    if run.count("/") > 3:
        return None
    if _decodes_to_secret(run):
        return "base64-credential"
    core = run.rstrip("=")
    if len(core) < 40 or not (re.search(r"\d", core) and re.search(r"[A-Za-z]", core)):
        return None
    return "base64-blob"


def redact_text(text: str, *, marker: str = REDACTED, counts: Counter[str] | None = None,
                secret_context: bool = False) -> str:
    """`text` with every credential replaced by `marker`; `counts` (if given) is incremented per rule.

    `secret_context`: the text describes a Secret, so every `data.*` value goes as well.
    """
    if not text:
        return text
    counts = counts if counts is not None else Counter()

    def apply(rule: str, pattern: re.Pattern[str], repl: Callable[[re.Match[str], str], str], s: str) -> str:
        def one(m: re.Match[str]) -> str:
            out = repl(m, marker)
            if out != m.group(0):
                counts[rule] += 1
            return out
        return pattern.sub(one, s)

    for rule, pattern, repl in (*_BLOCK_RULES, *_TOKEN_RULES):
        text = apply(rule, pattern, repl, text)
    if secret_context or re.search(r"\bSecret\b", text):
        text = apply("secret-data", _SECRET_DATA, _group("value"), text)
    text = apply("env-value", _ENV_PAIR, lambda m, mk: _group("value")(m, mk) if is_credential_key(m["name"])
                 else m.group(0), text)
    text = _redact_assignments(text, marker, counts)

    def blob(m: re.Match[str]) -> str:
        rule = _blob(m.group(0))
        if rule is None:
            return m.group(0)
        counts[rule] += 1
        return marker
    return _BASE64.sub(blob, text)


# ---------------------------------------------------------------------------------- structured values
def hides(key: str, value: Any) -> bool:
    """Whether the value under `key` must not be shown (a whole subtree under a credential key)."""
    kind = _kind(key)
    if kind == "strong":
        return True
    if kind == "weak":
        return not (isinstance(value, str) and is_name_like(value)) and not isinstance(value, bool | int | float)
    return False


def mask_tree(value: Any, marker: str = MASK) -> Any:
    """A copy with every credential masked: values of credential keys, the `value` of env-style
    `{name: DB_PASSWORD, value: ...}` entries, and credentials inside any string (`--token=x`, URLs)."""
    if isinstance(value, Mapping):
        named = isinstance(value.get("name"), str) and is_credential_key(value["name"])
        return {k: (marker if hides(str(k), v) or (named and k == "value" and v not in (None, ""))
                    else mask_tree(v, marker)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_tree(v, marker) for v in value]
    if isinstance(value, str):
        return redact_text(value, marker=marker)
    return value


def mask(value: Any, key: str = "", marker: str = MASK) -> Any:
    """`value` as it may be shown under `key`: `marker` if the key hides it, else `mask_tree(value)`."""
    return marker if key and hides(key, value) else mask_tree(value, marker)


def literal_credentials(tree: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Paths of plain-text credentials in user-supplied values: a non-empty literal string under a credential
    key (not a reference, not under a `*Ref`/`valueFrom`/`existingSecret` block), the `value` of an env-style
    entry named like a credential, or a string that is a credential by its shape (JWT, private key, ...)."""
    found: list[tuple[str, ...]] = []
    if isinstance(tree, Mapping):
        named = isinstance(tree.get("name"), str) and is_credential_key(tree["name"])
        for k, v in tree.items():
            key = str(k)
            if is_reference_key(key) or words(key)[-1:] in (["ref"], ["from"]):
                continue
            sub = (*path, key)
            if isinstance(v, str) and not is_empty_value(v) and (is_credential_key(key) or (named and key == "value")):
                found.append(sub)
            else:
                found.extend(literal_credentials(v, sub))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            found.extend(literal_credentials(v, (*path, str(i))))
    elif isinstance(tree, str) and path:
        counts: Counter[str] = Counter()
        redact_text(tree, counts=counts)
        if set(counts) - {"base64-blob"}:  # a long hex or base64 run alone may be a digest: not refused
            found.append(path)
    return found


# ------------------------------------------------------------------------------------------- resolver
def credential_hint(path: tuple[str, ...]) -> str:
    """How to give a credential instead: the Pulumi secret config that fits, or a chart's existing Secret."""
    from planner.emit.settings import SECRET_KEYS

    if path[:1] == ("mirror",):
        return "take the credentials out of the URL: log in once with `helm registry login` / `docker login`"
    w = {x for p in path for x in words(p)}
    fits = ("huggingfaceToken" if "token" in w and ({"huggingface", "hf"} & w) else
            "s3AccessKeyId" if {"access", "key"} <= w or "accesskey" in w else
            "s3SecretAccessKey" if "secretkey" in w or ({"secret", "key"} <= w) else
            "mlflowDbAdminPassword" if {"admin", "password"} <= w else
            "mlflowDbPassword" if w & {"password", "passwd", "pw"} else "<name>")
    return (f"keep it out of the stack: `pulumi config set --secret stackplan:{fits}` (secret config: "
            f"{', '.join(SECRET_KEYS)}), or create a Secret and point the chart at it with its existingSecret "
            "(or secretName / *SecretKeyRef) value")


def stack_extras(stack: Any) -> dict[str, Any]:
    """The stack file's other user-supplied text (models' sources and args, mirror URLs), keyed as in the file."""
    mirror = stack.mirror.to_dict() if stack.mirror else {}
    return {"models": [m.to_dict() for m in stack.models], **({"mirror": mirror} if mirror else {})}


def refuse_plain_credentials(values: Any, origin: str, pointer: str | None, fail: Callable[..., None],
                             component: str | None = None) -> None:
    """The resolver's check of user-supplied values: each literal credential becomes one InputError at
    file:line:col (or naming the --set flag). Only `origin` "stack" or "--set ..." is the user's; blueprint,
    profile and choice layers are not checked. The value itself is never repeated."""
    from planner.errors import InputError

    if origin != "stack" and not origin.startswith("--set"):
        return
    for path in literal_credentials(values):
        dotted = ".".join(p.replace(".", "\\.") for p in path)
        where = None if pointer is None else pointer + "/" + "/".join(
            p.replace("~", "~0").replace("/", "~1") for p in path)
        fail(f"{f'`{component}`: ' if component else ''}`{dotted}` is a credential written in plain text; "
             "stackplan never puts credentials in stack files, plans or generated files", where,
             credential_hint(path), flag=None if pointer is not None else origin, cls=InputError, value=True)
