"""Redaction (always) and anonymization (`--anonymize`) of the text that leaves the process.

`Redactor` removes credentials before anything is sent to a model or written to the explanation
cache, by the program-wide rules of planner/secrets.py (the same ones apply, drift and check use):
Secret data, values of credential-like names in every `k=v` / `k: v` / `--k v` form, JWTs, AWS keys,
Authorization/Bearer/Basic credentials, private keys and certificates, kubeconfig material, base64 runs
and URL userinfo. It counts what it removed, per rule, so the run can say how much it redacted.

`Anonymizer` replaces names with stable placeholders (`NAMESPACE_1`, `POD_2`, …) and puts them back in
the answer. Names come from structure only: each finding's subject and `sensitive` strings, `Kind/ns/name`
references, `node=`/`namespace=`/`image=`-style fields, IPs, and image references (also in free text such
as `Failed to pull image "…"`); a word after a kind in prose ("the release if it is missing") never is.
Placeholders are upper case, so they never collide with Kubernetes names (DNS labels are lower case).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from planner.secrets import REDACTED, is_secret_key, redact_text

__all__ = ["REDACTED", "Anonymizer", "Redactor", "is_secret_name"]

# One set of rules for the whole program: planner/secrets.py (also used by apply, drift and the checks).
is_secret_name = is_secret_key


@dataclass
class Redactor:
    """Removes credentials from text; `counts` says how many of each kind it removed."""

    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __call__(self, text: str, *, secret_context: bool = False) -> str:
        """Redact one string. `secret_context`: the text describes a Secret, so every `data.*` value goes."""
        return redact_text(text, marker=REDACTED, counts=self.counts, secret_context=secret_context)


_IPV4 = re.compile(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{1,4}(?![\w:])")
# names introduced by a keyword in evidence: `node=gpu-1`, `image: repo/x:1`, `namespace=kueue-system`
_NAMED = re.compile(
    r"(?i)\b(?P<cat>node(?:Name)?|namespace|pod|image)(?:s)?\s*[=:]\s*[\"']?"
    r"(?P<value>[a-z0-9][a-z0-9._/@:-]*[a-z0-9])"
)
# image references in free text: after the word `image` (`Failed to pull image "r.io/x:tag"`), or any
# `[registry/]repo/name:tag` / `@sha256:` reference; a bare word after `image` (`image pull`) is no image
_IMAGE_AFTER_WORD = re.compile(r"(?i)\bimages?\b[ \t=:]*[\"'`]?(?P<value>[a-z0-9][a-z0-9._/-]*"
                               r"(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?)")
_IMAGE_REF = re.compile(r"(?<![\w./:-])(?P<value>(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::\d+)?/)+[a-z0-9._-]+"
                        r"(?::[\w][\w.-]{0,127}|@sha256:[0-9a-f]{64}))(?![\w/-])")
# `Kind/namespace/name` and `Kind/name` references written by the checks
_REF = re.compile(r"\b(?P<kind>[A-Z][A-Za-z]+)/(?P<first>[a-z0-9][a-z0-9.-]*)(?:/(?P<second>[a-z0-9][a-z0-9.-]*))?")
# `ClusterQueue gpu-queue`, `Deployment ns/name`: a capitalised kind, then something shaped like a name
# (back-quoted, or with a digit, dot, dash or slash): prose such as "the release if it" is never a name
_KINDS = ("Pod|Node|Namespace|Deployment|StatefulSet|DaemonSet|ReplicaSet|Job|CronJob|Service|ServiceAccount|ConfigMap|"
          "Secret|PersistentVolumeClaim|PVC|StorageClass|ClusterQueue|LocalQueue|Workload|ResourceFlavor|Queue|PodGroup|"
          "InferenceService|Model|Certificate|Issuer|ClusterIssuer|RayService|RayCluster|TrainJob|ClusterPolicy")
_KIND_NAME = re.compile(rf"(?<![\w/.-])(?:{_KINDS})\s+(?:`(?P<quoted>[a-z0-9][a-z0-9.-]*(?:/[a-z0-9][a-z0-9.-]*)?)`|"
                        r"(?P<value>[a-z0-9][a-z0-9.-]*(?:/[a-z0-9][a-z0-9.-]*)?))")
# fields that hold a name: `.spec.clusterQueue=x`, `queueName=x`, `issuerRef.name=x`, `queue-name=x`
_NAME_FIELD = re.compile(r"(?i)\b(?P<field>clusterQueue|queueName|queue-name|queue|issuerRef\.name|serviceAccountName|"
                         r"secretName|claimName|release)\s*=\s*[\"']?"
                         r"(?P<value>[a-z0-9][a-z0-9._-]*)")
_STOPWORDS = {"is", "of", "for", "in", "on", "has", "have", "the", "a", "an", "and", "or", "not", "to", "with",
              "named", "list", "was", "are", "at", "by", "from", "none", "that", "which", "without", "does", "if",
              "it", "its", "be", "as", "when", "then", "this", "missing", "exists", "found", "again", "first"}
_NOT_NAMES = _STOPWORDS | {"true", "false", "null", "pending", "running", "ready", "notready", "unknown", "failed",
                           "default", "kube-system", "kube-public", "kube-node-lease"}


def _name_shaped(value: str) -> bool:
    return bool(re.search(r"[\d./-]", value))


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
            if re.search(r"[a-z]", m["value"]):
                self.add(m["value"], cat)
        for m in (*_IMAGE_AFTER_WORD.finditer(text), *_IMAGE_REF.finditer(text)):
            ref = m["value"]
            if re.search(r"[/:.]", ref):  # `image pull`, `image is` are words, not images
                self.add(ref, "image")
                repo = re.split(r"@|:(?=[^/]*$)", ref)[0]
                if "/" in repo:  # `kubeai` alone (from `kubeai:v1`) is also a component and namespace name
                    self.add(repo, "image")
        for m in _KIND_NAME.finditer(text):
            value = m["quoted"] or m["value"]
            if not m["quoted"] and not _name_shaped(value):
                continue
            ns, _, name = value.rpartition("/")
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
