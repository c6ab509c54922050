"""Redaction (always) and anonymization (`--anonymize`) of the text that leaves the process.

`Redactor` removes credentials before anything is sent to a model or written to the explanation
cache: Secret data, values of credential-like names (env vars, annotations, JSON/YAML keys), JWTs,
AWS keys, bearer tokens, private keys and certificates, kubeconfig material, long base64 blobs and
URL userinfo. It counts what it removed, per rule, so the run can say how much it redacted.

`Anonymizer` replaces names (namespaces, pods, nodes, images, IPs and each finding's `sensitive`
strings) with stable placeholders (`NAMESPACE_1`, `POD_2`, …) and puts them back in the answer.
Placeholders are upper case, so they never collide with Kubernetes names (DNS labels are lower case).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

REDACTED = "[REDACTED]"

# A name (env var, annotation, key) whose value is a credential. `key` alone stays (taints, selectors).
_SECRET_WORDS = re.compile(
    r"(?i)(passw|passphrase|pwd|secret|token|credential|private|api[-_.]?key|access[-_.]?key|auth|"
    r"session|cookie|signature|client[-_.]?key|cert(ificate)?[-_.]?data|key[-_.]?data|dsn|conn(ection)?[-_.]?string)"
)
_KEY_SUFFIX = re.compile(r"(^KEY$|[_.-]KEY$|[a-z0-9]Key$|[_-]key$)")
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def is_secret_name(name: str) -> bool:
    """True when a variable, annotation or field with this name holds a credential."""
    last = re.split(r"[./\[\]]", name.strip().strip("'\""))
    leaf = next((p for p in reversed(last) if p), name)
    return bool(_SECRET_WORDS.search(name) or _KEY_SUFFIX.search(leaf))


# (rule name, pattern, replacement). Order matters: whole blocks first, then tokens, then key=value.
_BLOCKS: list[tuple[str, re.Pattern[str], str]] = [
    ("private-key", re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)",
                               re.S), REDACTED),
    ("certificate", re.compile(r"-----BEGIN CERTIFICATE-----.*?(-----END CERTIFICATE-----|$)", re.S), REDACTED),
    ("last-applied-configuration", re.compile(re.escape(_LAST_APPLIED) + r"[\"']?\s*[:=]\s*.*", re.S),
     _LAST_APPLIED + "=" + REDACTED),
]
_TOKENS: list[tuple[str, re.Pattern[str], str]] = [
    ("url-userinfo", re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@"), r"\1" + REDACTED + "@"),
    ("bearer", re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 " + REDACTED),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),
    ("aws-access-key", re.compile(r"\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"), REDACTED),
    ("api-token", re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|xox[abprs]-[A-Za-z0-9-]{10,}|"
                             r"sk-[A-Za-z0-9_-]{20,}|hf_[A-Za-z0-9]{30,}|AIza[0-9A-Za-z_-]{35}|glpat-[A-Za-z0-9_-]{20,})"),
     REDACTED),
]
# name=value, name: value, "name": "value" (JSON), --name=value, NAME=value in env lists.
_ASSIGNMENT = re.compile(
    r"""(?P<name>["']?[A-Za-z_][\w.\-/\[\]]*["']?)(?P<sep>\s*(?:=|:)\s*)"""
    r"""(?P<value>"(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;}\]]+)"""
)
_SECRET_DATA = re.compile(r"(?P<name>\b(?:string)?[dD]ata(?:\.[\w.-]+|\[[^\]]+\]))(?P<sep>\s*[:=]\s*)(?P<value>\S+)")
# Long base64 runs (kubeconfig `*-data`, Secret values). Digests after `sha256:` are kept.
_EMPTY = {"", "true", "false", "null", "[", "[]", "{}", "<none>", "none", "0"}
_BASE64 = re.compile(r"(?<![\w:/+=.-])(?!sha(?:256|512):)[A-Za-z0-9+/]{40,}={0,2}(?![\w+/=])")


@dataclass
class Redactor:
    """Removes credentials from text; `counts` says how many of each kind it removed."""

    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __call__(self, text: str, *, secret_context: bool = False) -> str:
        """Redact one string. `secret_context`: the text describes a Secret, so every `data.*` value goes."""
        for rule, pattern, repl in (*_BLOCKS, *_TOKENS):
            text = self._sub(rule, pattern, repl, text)
        if secret_context or re.search(r"\bSecret\b", text):
            text = self._sub("secret-data", _SECRET_DATA, lambda m: m["name"] + m["sep"] + REDACTED, text)
        text = self._sub("credential-value", _ASSIGNMENT, self._assignment, text)
        return self._sub("base64-blob", _BASE64, self._blob, text)

    def _sub(self, rule: str, pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str], text: str) -> str:
        def count(m: re.Match[str]) -> str:
            out = repl(m) if callable(repl) else m.expand(repl)
            if out != m.group(0):
                self.counts[rule] += 1
            return out
        return pattern.sub(count, text)

    @staticmethod
    def _assignment(m: re.Match[str]) -> str:
        value = m["value"]
        if not is_secret_name(m["name"]) or "REDACTED" in value or value.strip("\"'") in _EMPTY:
            return m.group(0)
        quote = value[0] if value[:1] in "\"'" else ""
        return f"{m['name']}{m['sep']}{quote}{REDACTED}{quote}"

    @staticmethod
    def _blob(m: re.Match[str]) -> str:
        run = m.group(0)
        # a path-like or word-like run (no digits or no letters) is not a credential
        if not (re.search(r"\d", run) and re.search(r"[A-Za-z]", run)) or run.count("/") > 3:
            return run
        return REDACTED


_IPV4 = re.compile(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{1,4}(?![\w:])")
# names introduced by a keyword in evidence: `node=gpu-1`, `image: repo/x:1`, `namespace kueue-system`
_NAMED = re.compile(
    r"(?i)\b(?P<cat>node(?:Name)?|namespace|pod|image)(?:s)?\s*[=:]\s*[\"']?"
    r"(?P<value>[a-z0-9][a-z0-9._/@:-]*[a-z0-9])"
)
# `Kind/namespace/name` and `Kind/name` references written by the checks
_REF = re.compile(r"\b(?P<kind>[A-Z][A-Za-z]+)/(?P<first>[a-z0-9][a-z0-9.-]*)(?:/(?P<second>[a-z0-9][a-z0-9.-]*))?")
# `ClusterQueue gpu-queue`, `Deployment ns/name`: a kind word, then a name
_KINDS = ("Pod|Node|Namespace|Deployment|StatefulSet|DaemonSet|ReplicaSet|Job|CronJob|Service|ServiceAccount|ConfigMap|"
          "Secret|PersistentVolumeClaim|PVC|StorageClass|ClusterQueue|LocalQueue|Workload|ResourceFlavor|Queue|PodGroup|"
          "InferenceService|Model|Certificate|Issuer|ClusterIssuer|RayService|RayCluster|TrainJob|ClusterPolicy|"
          "Release|release|queue|node|pod|namespace")
_KIND_NAME = re.compile(rf"(?<![\w/.-])(?:{_KINDS})\s+`?(?P<value>[a-z0-9][a-z0-9.-]*(?:/[a-z0-9][a-z0-9.-]*)?)`?")
# fields that hold a name: `.spec.clusterQueue=x`, `queueName=x`, `issuerRef.name=x`, `queue-name=x`
_NAME_FIELD = re.compile(r"(?i)\b(?P<field>clusterQueue|queueName|queue-name|queue|issuerRef\.name|serviceAccountName|"
                         r"secretName|claimName|release)\s*[=:]\s*[\"']?"
                         r"(?P<value>[a-z0-9][a-z0-9._-]*)")
_STOPWORDS = {"is", "of", "for", "in", "on", "has", "have", "the", "a", "an", "and", "or", "not", "to", "with",
              "named", "list", "was", "are", "at", "by", "from", "none", "that", "which", "without", "does"}
_NOT_NAMES = _STOPWORDS | {"true", "false", "null", "pending", "running", "ready", "notready", "unknown", "failed",
                           "default", "kube-system", "kube-public", "kube-node-lease"}


class Anonymizer:
    """Stable placeholders for names; `restore` maps them back. One instance per run."""

    def __init__(self) -> None:
        self._by_value: dict[str, str] = {}
        self._by_token: dict[str, str] = {}
        self._next: Counter[str] = Counter()
        self._reserved: set[str] = set()

    def reserve(self, texts: Iterable[str]) -> None:
        """Never hand out a placeholder that already occurs in the input."""
        for t in texts:
            self._reserved.update(re.findall(r"\b[A-Z]+_\d+\b", t))

    def add(self, value: str, category: str) -> None:
        value = value.strip()
        if len(value) < 2 or value.lower() in _NOT_NAMES or value in self._by_value or value in self._by_token:
            return
        while True:
            self._next[category] += 1
            token = f"{category.upper()}_{self._next[category]}"
            if token not in self._reserved:
                break
        self._by_value[value] = token
        self._by_token[token] = value

    def collect(self, text: str) -> None:
        """Find names in free text (IPs, `node=…`, `image: …`, `Kind/ns/name`)."""
        for ip in (*_IPV4.findall(text), *_IPV6.findall(text)):
            self.add(ip, "ip")
        for m in _NAMED.finditer(text):
            cat = m["cat"].lower().removesuffix("name")
            self.add(m["value"], cat)
        for m in _KIND_NAME.finditer(text):
            ns, _, name = m["value"].rpartition("/")
            if ns:
                self.add(ns, "namespace")
            if name not in _NOT_NAMES:
                self.add(name, "name")
        for m in _NAME_FIELD.finditer(text):
            self.add(m["value"], "name")
        for m in _REF.finditer(text):
            kind = m["kind"].lower()
            if m["second"]:
                self.add(m["first"], "namespace")
                self.add(m["second"], kind if kind in ("pod", "node") else "name")
            else:
                self.add(m["first"], kind if kind in ("pod", "node", "namespace") else "name")

    def __call__(self, text: str) -> str:
        if not self._by_value:
            return text
        return self._pattern(self._by_value).sub(lambda m: self._by_value[m.group(0)], text)

    def restore(self, text: str) -> str:
        if not self._by_token:
            return text
        return self._pattern(self._by_token).sub(lambda m: self._by_token[m.group(0)], text)

    @property
    def mapping(self) -> dict[str, str]:
        return dict(self._by_value)

    @staticmethod
    def _pattern(table: dict[str, str]) -> re.Pattern[str]:
        alternatives = "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True))
        return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")
