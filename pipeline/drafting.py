"""Drafting without git: an issue form becomes a content pull request; `konten new` asks in a terminal.

`draft_from_issue` reads the rendered form, checks that its author may draft (write access to the
repository, or listed in sop.yml), downloads the attachments from GitHub's own attachment hosts
only, with a size cap enforced before and while downloading, writes the item folder exactly as an
author would (slug made from the title, never a path taken from the body), validates it, and then
either opens or updates the pull request from `konten/issue-<n>` through the git data API, with the
issue's author as the commit's author, or explains in one comment on the issue what to fix.

The issue body is untrusted text: it reaches YAML through the dumper (quoted as needed), the
caption is written as literal text, file names are made here, and values quoted back in comments
are escaped. No shell and no template ever sees it.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import yaml

from pipeline import issueform
from pipeline.config import Sop
from pipeline.content import INDEX
from pipeline.drafting_text import t
from pipeline.errors import GitHubError, Problem
from pipeline.github import GitHub, parse_time
from pipeline.media import MediaInfo, sniff
from pipeline.messages import platform_label
from pipeline.validate import validate_paths

MB = 1024 * 1024
MARKER = "<!-- konten:draft -->"
BRANCH_PREFIX = "konten/issue-"
MAX_BYTES = 100 * MB  # GitHub's own ceiling for an uploaded video; images stop at 10 MB
MAX_ATTACHMENTS = 20
MAX_REDIRECTS = 3
SLUG_LENGTH = 60
# Where GitHub keeps what people drop into an issue: the URL in the body is on a source host; it
# answers with a redirect to signed storage. Nothing else is ever fetched.
SOURCE_HOSTS = ("github.com", "user-images.githubusercontent.com", "private-user-images.githubusercontent.com")
STORAGE_HOSTS = (
    "github-production-user-asset-6210df.s3.amazonaws.com",
    "github-production-repository-file-5c1aeb.s3.amazonaws.com",
    "objects.githubusercontent.com",
    "private-user-images.githubusercontent.com",
    "user-images.githubusercontent.com",
)
_EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp",
               "TIFF": "tif", "MP4": "mp4", "MOV": "mov", "WEBM": "webm"}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#!|~@])")


def slugify(text: str, fallback: str) -> str:
    """A folder name from a title: ASCII letters, digits and hyphens, at most 60 characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > SLUG_LENGTH:
        cut = slug[:SLUG_LENGTH]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug or fallback


# -- the item as an author writes it ---------------------------------------------------------------
@dataclass(frozen=True)
class Draft:
    """The fields of an item; empty values are left out of the front matter, so validation names them."""

    title: str
    kind: str
    platforms: tuple[str, ...]
    caption: str
    captions: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    media: tuple[tuple[str, str | None], ...] = ()  # (file name in the folder, alt text)
    publish_at: str = ""


class _Dumper(yaml.SafeDumper):
    """Multi-line text as a `|` block, the way authors write captions by hand."""


_Dumper.add_representer(
    str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value,
                                                       style="|" if "\n" in value else None)
)


def item_text(draft: Draft) -> str:
    """`index.md`: YAML front matter, then the caption as literal text."""
    data: dict[str, Any] = {}
    if draft.title:
        data["title"] = draft.title
    if draft.kind:
        data["kind"] = draft.kind
    if draft.platforms:
        captions = {p: draft.captions[p] for p in draft.platforms if draft.captions.get(p)}
        data["platforms"] = ({p: {"caption": captions[p]} if p in captions else None for p in draft.platforms}
                             if captions else list(draft.platforms))
    if draft.media:
        data["media"] = [{"file": name, **({"alt": alt} if alt else {})} for name, alt in draft.media]
    if draft.publish_at:
        data["publish_at"] = draft.publish_at
    head = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    return f"---\n{head}---\n{draft.caption.strip()}\n"


def media_name(given: str, n: int, info: MediaInfo, taken: set[str]) -> str:
    """A safe, unique file name: the given name's stem if it has one, the extension from the content."""
    pure = PurePosixPath(given.replace("\\", "/")).name
    stem = slugify(PurePosixPath(pure).stem, f"media-{n}") if PurePosixPath(pure).suffix else f"media-{n}"
    suffix = PurePosixPath(pure).suffix.lower().lstrip(".")
    ext = _EXTENSIONS.get(info.format) or (suffix if re.fullmatch(r"[a-z0-9]{1,5}", suffix) else "bin")
    name, k = f"{stem}.{ext}", 2
    while name in taken:
        name, k = f"{stem}-{k}.{ext}", k + 1
    taken.add(name)
    return name


def item_folder(content: Path, draft: Draft, moment: datetime, fallback: str) -> Path:
    """`content/<yyyy>/<mm>/<slug>`, from the publish time if there is one, else from `moment`."""
    try:
        moment = datetime.strptime(draft.publish_at, "%Y-%m-%d %H:%M")
    except ValueError:
        pass
    return content / f"{moment:%Y}" / f"{moment:%m}" / slugify(draft.title, fallback)


# -- attachments -----------------------------------------------------------------------------------
class AttachmentProblem(Exception):
    """An attachment that will not be fetched or could not be; `code` is a drafting_text key."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class Attachments:
    """Downloads files people attached to an issue, from GitHub's attachment hosts only.

    `resolve` maps an allowed host to the base URL actually connected to, the way /etc/hosts
    would: tests point GitHub's hosts at a local server, while the allow-list stays GitHub's.
    No credential is sent (signed storage URLs refuse one). Sizes are checked on the answer's
    Content-Length before the body is read (a HEAD would not do: the signed storage URLs are
    signed for GET only) and again while streaming.
    """

    def __init__(self, *, repository: str = "", max_bytes: int = MAX_BYTES,
                 resolve: Mapping[str, str] | None = None, client: httpx.Client | None = None) -> None:
        self.repository = repository
        self.max_bytes = max_bytes
        self.resolve = dict(resolve or {})
        self.client = client or httpx.Client(timeout=30.0, follow_redirects=False)

    def allowed(self, url: str, source: bool) -> bool:
        """Is `url` a GitHub attachment (source) or GitHub's attachment storage (a redirect target)?"""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme != "https" or parts.netloc.lower() != host:  # no port, no user@
            return False
        if host == "github.com":
            repo = re.escape(self.repository) if self.repository else r"(?!)"
            return re.match(rf"^/(?:user-attachments|{repo})/(?:assets|files)/", parts.path) is not None
        return host in SOURCE_HOSTS or (not source and host in STORAGE_HOSTS)

    def fetch(self, url: str, dest: Path) -> None:
        """Write the attachment at `url` to `dest`; raise `AttachmentProblem` instead of fetching
        anything not allowed or too large."""
        try:
            self._fetch(url, dest)
        except AttachmentProblem:
            dest.unlink(missing_ok=True)
            raise
        except httpx.HTTPError as exc:
            dest.unlink(missing_ok=True)
            raise AttachmentProblem("attach.failed", reason=type(exc).__name__) from None

    def _fetch(self, url: str, dest: Path) -> None:
        for hop in range(MAX_REDIRECTS + 1):
            if not self.allowed(url, source=hop == 0):
                raise AttachmentProblem("attach.host", host=urlsplit(url).hostname or url[:40])
            with self.client.stream("GET", self._target(url)) as response:
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                if response.status_code != 200:
                    raise AttachmentProblem("attach.failed", reason=f"HTTP {response.status_code}")
                length = int(response.headers.get("content-length") or 0)
                if length > self.max_bytes:
                    raise AttachmentProblem("attach.too_large", size=human_size(length),
                                            limit=human_size(self.max_bytes))
                total = 0
                with dest.open("wb") as out:
                    for chunk in response.iter_bytes():
                        total += len(chunk)
                        if total > self.max_bytes:
                            raise AttachmentProblem("attach.too_large", size=f"> {human_size(self.max_bytes)}",
                                                    limit=human_size(self.max_bytes))
                        out.write(chunk)
                return
        raise AttachmentProblem("attach.failed", reason="redirects")

    def _target(self, url: str) -> str:
        parts = urlsplit(url)
        base = self.resolve.get(parts.hostname or "", f"https://{parts.hostname}")
        return base.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")


def human_size(size: int) -> str:
    return f"{size / MB:.1f} MB" if size >= MB else f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} B"


def download(answers: issueform.Answers, folder: Path, attachments: Attachments) -> tuple[
        tuple[tuple[str, str | None], ...], list[Problem]]:
    """Fetch every attachment into `folder`; alt texts go to the images, in order."""
    problems: list[Problem] = []
    wanted = answers.attachments
    if len(wanted) > MAX_ATTACHMENTS:
        problems.append(Problem("attach.too_many", field="media",
                                params={"count": len(wanted), "limit": MAX_ATTACHMENTS}))
        wanted = wanted[:MAX_ATTACHMENTS]
    alts = iter(answers.alts)
    taken = {INDEX}
    media: list[tuple[str, str | None]] = []
    for n, attachment in enumerate(wanted, start=1):
        partial = folder / f".download-{n}"
        try:
            attachments.fetch(attachment.url, partial)
        except AttachmentProblem as exc:
            problems.append(Problem(exc.code, field="media", params={"n": n, **exc.params}))
            continue
        info = sniff(partial)
        name = media_name(attachment.name, n, info, taken)
        partial.rename(folder / name)
        media.append((name, next(alts, None) if info.kind in ("image", "gif") else None))
    return tuple(media), problems


# -- GitHub ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """What became of an issue: ignored (not this form), refused, invalid, or drafted as `pull`."""

    state: str
    pull: int | None = None
    folder: str | None = None
    problems: tuple[Problem, ...] = ()


def _found(gh: GitHub, op: Callable[..., Any], **kwargs: Any) -> Any | None:
    """GitHub's answer, or None where it answers 404."""
    try:
        return gh._call(op, **kwargs)
    except GitHubError as exc:
        if exc.params.get("status") == 404:
            return None
        raise


def may_draft(gh: GitHub, login: str, drafters: Collection[str]) -> bool:
    """Write access (admin, maintain or write) on the repository, or listed as a drafter in sop.yml."""
    if login.lower() in {d.lower() for d in drafters}:
        return True
    data = _found(gh, gh.api.repos.get_collaborator_permission_level, username=login)
    return data is not None and data["permission"] in ("admin", "write")


def upsert_comment(gh: GitHub, number: int, body: str) -> None:
    """Keep one marked comment on the issue: create it, or edit it in place when it changed."""
    mine = next((c for c in gh.comments(number) if MARKER in c.body), None)
    if mine is None:
        gh.create_comment(number, body)
    elif mine.body != body:
        gh.update_comment(mine.id, body)


def _ref(gh: GitHub, branch: str) -> str | None:
    ref = _found(gh, gh.api.git.get_ref, ref=f"heads/{branch}")
    return str(ref["object"]["sha"]) if ref else None


def publish_branch(gh: GitHub, issue: dict[str, Any], files: dict[str, bytes], title: str, base: str,
                   lang: str, now: datetime) -> int:
    """Commit `files` on `konten/issue-<n>` as the issue's author and open its PR (or keep the open one).

    An open PR's branch gets a new commit on top (its history is the review's history), replacing
    the files it added before; without an open PR the branch starts again from the default branch.
    """
    number, user = issue["number"], issue["user"]
    branch = f"{BRANCH_PREFIX}{number}"
    owner = gh.repository.split("/")[0]
    pulls = gh._call(gh.api.pulls.list, head=f"{owner}:{branch}", state="open")
    pull = pulls[0] if pulls else None
    head = _ref(gh, branch)
    parent = head if pull is not None and head else _ref(gh, base)
    parent_tree = gh._call(gh.api.git.get_commit, commit_sha=parent)["tree"]["sha"]
    entries: list[dict[str, Any]] = []
    for path, data in sorted(files.items()):
        blob = gh._call(gh.api.git.create_blob, content=base64.b64encode(data).decode(), encoding="base64")
        entries.append({"path": path, "mode": "100644", "type": "blob", "sha": blob["sha"]})
    if pull is not None:
        stale = [f["filename"] for f in gh._pages(gh.api.pulls.list_files, pull_number=pull["number"])
                 if f["status"] == "added" and f["filename"].startswith("content/")
                 and f["filename"] not in files]
        entries += [{"path": path, "mode": "100644", "type": "blob", "sha": None} for path in stale]
    tree = gh._call(gh.api.git.create_tree, base_tree=parent_tree, tree=entries)["sha"]
    if tree != parent_tree or head != parent:
        author = {"name": user["login"], "email": f"{user['id']}+{user['login']}@users.noreply.github.com",
                  "date": now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
        message = t("draft.commit", lang, title=title, issue=number)
        commit = gh._call(gh.api.git.create_commit, message=message, tree=tree, parents=[parent], author=author)
        if head is None:
            gh._call(gh.api.git.create_ref, ref=f"refs/heads/{branch}", sha=commit["sha"])
        else:
            gh._call(gh.api.git.update_ref, ref=f"heads/{branch}", sha=commit["sha"], force=pull is None)
    if pull is not None:
        return int(pull["number"])
    body = f"Closes #{number}\n\n" + t("draft.pr_body", lang, issue=number, login=user["login"],
                                        form=t("form.name", lang))
    created = gh._call(gh.api.pulls.create, title=title, head=branch, base=base, body=body)
    return int(created["number"])


def escape_markdown(text: str) -> str:
    """Text from the issue quoted back on one line, with no Markdown, HTML or @mention left in it."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def problem_line(problem: Problem, sop: Sop) -> str:
    """`- **<form label>** (platform): what is wrong`, in the SOP's language."""
    params = {k: escape_markdown(v) if isinstance(v, str) else v for k, v in problem.params.items()}
    text = t(problem.code, sop.language, **params)
    where = f"**{issueform.label_of(problem.field, sop)}**" if problem.field else ""
    if problem.platform:
        where += f" ({platform_label(problem.platform)})"
    return f"- {where}: {text}" if where else f"- {text}"


def draft_from_issue(gh: GitHub, sop: Sop, number: int, *, workdir: Path, attachments: Attachments,
                     drafters: Collection[str] = (), now: datetime | None = None) -> Outcome:
    """Turn issue `number`, if it is the form, into an item folder under `workdir/content` and a PR."""
    lang = sop.language
    issue = gh._call(gh.api.issues.get, issue_number=number)
    answers = issueform.parse(issue.get("body"), sop)
    if answers is None or issue.get("pull_request") or issue["state"] != "open":
        return Outcome("ignored")
    login = issue["user"]["login"]
    if not may_draft(gh, login, drafters):
        upsert_comment(gh, number, f"{MARKER}\n{t('draft.refused', lang, login=login)}")
        return Outcome("refused")

    created = (parse_time(issue["created_at"]) or datetime.now(timezone.utc)).astimezone(sop.timezone)
    base = gh._call(gh.api.repos.get)["default_branch"]
    fields = Draft(answers.title, answers.kind, answers.platforms, answers.caption, answers.captions,
                   publish_at=answers.publish_at)
    folder = item_folder(workdir / "content", fields, created, f"konten-{number}")
    taken = _found(gh, gh.api.repos.get_content, path=folder.relative_to(workdir).as_posix(), ref=base)
    if taken:  # an item of that name is already on the default branch: never overwrite it
        folder = folder.with_name(f"{folder.name}-{number}")
    folder.mkdir(parents=True)
    media, problems = download(answers, folder, attachments)
    draft = replace(fields, media=media)
    (folder / INDEX).write_text(item_text(draft), encoding="utf-8")
    report = validate_paths([folder], sop, workdir / "content")
    problems += report.problems
    errors = [p for p in problems if p.severity == "error"]
    relative = folder.relative_to(workdir).as_posix()
    if errors:
        lines = "\n".join(problem_line(p, sop) for p in errors)
        upsert_comment(gh, number, f"{MARKER}\n{t('draft.invalid', lang)}\n\n{lines}")
        return Outcome("invalid", folder=relative, problems=tuple(problems))

    files = {p.relative_to(workdir).as_posix(): p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
    pull = publish_branch(gh, issue, files, draft.title, base, lang, now or datetime.now(timezone.utc))
    text = f"{MARKER}\n{t('draft.done', lang, pull=pull, branch=BRANCH_PREFIX + str(number))}"
    if problems:
        text += f"\n\n{t('draft.warnings', lang)}\n\n" + "\n".join(problem_line(p, sop) for p in problems)
    upsert_comment(gh, number, text)
    return Outcome("drafted", pull=pull, folder=relative, problems=tuple(problems))


# -- konten draft-from-issue -----------------------------------------------------------------------
def _event_issue() -> int | None:
    """The issue number of the triggering event; only the number is trusted, the issue is refetched."""
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path or not Path(path).is_file():
        return None
    number = (json.loads(Path(path).read_text(encoding="utf-8")).get("issue") or {}).get("number")
    return int(number) if number else None


def cmd_draft_from_issue(ctx: Any, args: argparse.Namespace) -> int:
    """Draft issue N into a PR, then run `konten check` on that PR: events of a PR that the
    workflow token opened start no other workflow, so the chain is started from here."""
    from pipeline import check

    number = args.issue or _event_issue()
    if number is None:
        ctx.out(t("draft.no_issue", ctx.lang))
        return 1
    gh = GitHub.from_env()
    now = datetime.now(timezone.utc)
    drafters = ctx.sop.drafters  # sop.yml `drafters:` (optional list of logins)
    with tempfile.TemporaryDirectory(prefix="konten-draft-") as tmp:
        workdir = Path(tmp)
        outcome = draft_from_issue(gh, ctx.sop, number, workdir=workdir,
                                   attachments=Attachments(repository=gh.repository), drafters=drafters, now=now)
        ctx.out(t("draft.summary", ctx.lang, issue=number, state=t(f"draft.state.{outcome.state}", ctx.lang)))
        if outcome.pull is not None:
            result = check.run(gh, ctx.sop, outcome.pull, now, head=workdir, root=ctx.root)
            ctx.out(result.description)
    return 0


# -- konten new ------------------------------------------------------------------------------------
class _Aborted(Exception):
    pass


def _line(ask: Callable[[str], str], prompt: str) -> str:
    try:
        return ask(prompt)
    except EOFError:
        raise _Aborted from None


def _asker(ask: Callable[[str], str]) -> Callable[[str], str]:
    return lambda prompt: _line(ask, f"{prompt}: ").strip()


def _choose(answer: Callable[[str], str], out: Callable[[str], None], prompt: str, options: dict[str, str],
            lang: str, many: bool) -> list[str]:
    """Ask until every comma-separated answer is one of `options` (by number, name or label)."""
    keys = list(options)
    out("\n".join(f"  {i}. {label}" for i, label in enumerate(options.values(), start=1)))
    lookup = {str(i): k for i, k in enumerate(keys, start=1)}
    lookup.update({k.lower(): k for k in keys})
    lookup.update({label.lower(): k for k, label in options.items()})
    while True:
        given = [g.strip() for g in (answer(prompt).split(",") if many else [answer(prompt)]) if g.strip()]
        unknown = [g for g in given if g.lower() not in lookup]
        if given and not unknown:
            return list(dict.fromkeys(lookup[g.lower()] for g in given))
        out(t("new.invalid_choice", lang, value=", ".join(unknown)) if unknown else t("new.required", lang))


def ask_new(sop: Sop, content: Path, ask: Callable[[str], str], out: Callable[[str], None],
            today: datetime) -> Path:
    """Ask for an item's fields in the terminal and write its folder under `content`; returns it."""
    lang = sop.language
    answer = _asker(ask)
    title = ""
    while not title:
        title = " ".join(answer(t("new.title", lang)).split())
    kind = _choose(answer, out, t("new.kind", lang), {k: k for k in sop.kinds}, lang, many=False)[0]
    platforms = _choose(answer, out, t("new.platforms", lang),
                        {p: platform_label(p) for p in sop.enabled_platforms()}, lang, many=True)
    out(t("new.caption", lang))
    lines: list[str] = []
    while (line := _line(ask, "")) != ".":
        lines.append(line)
    sources: list[tuple[Path, str | None]] = []
    while given := answer(t("new.media", lang, n=len(sources) + 1)).strip("'\""):
        path = Path(given).expanduser()
        if not path.is_file():
            out(t("new.no_file", lang, path=given))
            continue
        alt = None
        if sniff(path).kind in ("image", "gif"):
            while not alt:
                alt = answer(t("new.alt", lang, file=path.name))
        sources.append((path, alt))
    publish_at = ""
    while given := answer(t("new.publish_at", lang, zone=issueform.zone_name(sop))):
        publish_at = issueform.normalise_time(given)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", publish_at):
            break
        out(t("item.publish_at", lang, value=given))
        publish_at = ""

    draft = Draft(title, kind, tuple(platforms), "\n".join(lines), publish_at=publish_at)
    folder = item_folder(content, draft, today.astimezone(sop.timezone), "konten")
    stem, k = folder.name, 2
    while folder.exists():
        folder, k = folder.with_name(f"{stem}-{k}"), k + 1
    folder.mkdir(parents=True)
    taken = {INDEX}
    media = []
    for n, (path, alt) in enumerate(sources, start=1):
        name = media_name(path.name, n, sniff(path), taken)
        shutil.copyfile(path, folder / name)
        media.append((name, alt))
    (folder / INDEX).write_text(item_text(replace(draft, media=tuple(media))), encoding="utf-8")
    return folder


def cmd_new(ctx: Any, args: argparse.Namespace) -> int:
    """Ask the fields, write the folder, validate it as `konten validate` would."""
    from pipeline import messages

    try:
        folder = ask_new(ctx.sop, ctx.content, input, ctx.out, datetime.now(timezone.utc))
    except _Aborted:
        ctx.out(t("new.aborted", ctx.lang))
        return 1
    report = validate_paths([folder], ctx.sop, ctx.content)
    for problem in report.problems:
        label = messages.t("cli.error" if problem.severity == "error" else "cli.warning", ctx.lang)
        ctx.out(f"{label}: {problem.render(ctx.lang)}")
    ctx.out(t("new.written", ctx.lang, path=folder))
    if report.errors:
        return 1
    ctx.out(t("new.next", ctx.lang))
    return 0
