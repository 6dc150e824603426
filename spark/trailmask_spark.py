"""Run a trailmask command over a large trail on Spark, with the output of one local run.

Usage:
    spark-submit [SPARK OPTIONS] trailmask_spark.py [--shards N] [--partials-dir DIR]
        COMMAND [OPTIONS] PATH...

COMMAND, OPTIONS and PATH are those of `trailmask COMMAND [OPTIONS] PATH...` (events, graph,
chains, services, passrole, activity, findings, edges, summary, report); what this script
writes on stdout is the bytes that command writes, and its stderr lines (less Spark's own) and
exit status are the command's too. Paths are local files and directories, or `s3://` prefixes.

The flow:
 1. The driver checks the options (a run of the command over an empty listing: a usage error
    is reported as trailmask reports it, before any Spark work).
 2. The driver lists the inputs once: `trailmask list [--since T] [--until T] [-L] PATH...`
    writes a listing, the line `TRAILMASK LISTING 1` then one JSON line per input file (path
    and size), per entry that discovery passed over (with its path and why) and per path it
    could not walk.
 3. It splits the listing into shards by size (largest file first onto the lightest shard),
    each shard a listing of its own; the lines of what is passed over and what failed all go
    to the first shard (nothing of them is read), so that they count once and shards are
    sized by the files read.
 4. Each shard is a partition of an RDD: on an executor, `trailmask partial COMMAND OPTIONS
    SHARD.listing -o -` reads its files and writes a partial result (binary, much smaller
    than the logs), which is collected to the driver, or written to --partials-dir. A shard
    that writes none (--strict met a bad file, a usage error) stops the run as it would stop
    the command (under --strict, the shard whose bad file comes first in the listing, the
    file a direct run names).
 5. The driver merges the partials: `trailmask COMMAND OPTIONS part-00000 part-00001 ...`,
    its stdout and stderr those of this script, whose exit status is the merge's.

spark-submit runs this script with its stderr merged into its stdout, one pipe that the JVM
copies to its own stdout: what the script writes goes through the JVM's System.out and
System.err instead (see Console), so that stdout holds the command's output alone.

The trailmask binary is `$TRAILMASK_BIN` when set (on the driver: its value is passed to the
executors), else the file shipped with `spark-submit --files /path/to/trailmask`, else
`trailmask` on the PATH. Relative input paths are read from the driver's working directory
(they become the `log_file` column), which executors use when it exists on their machine: on
a cluster, give `s3://` prefixes or absolute paths that every node sees.

Exit status: trailmask's (0 done, 1 some inputs failed, 2 usage error, 3 output error, 4 an S3
location unreadable, 6 `findings --fail-on` found what it fails on), or 5 when a shard's
trailmask could not run (not found, killed by a signal), nothing written.
"""

import datetime
import heapq
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unicodedata

LISTING_MAGIC = b"TRAILMASK LISTING 1\n"
PARTIAL_MAGIC = b"TRAILMASK PARTIAL 9\n"

# Shards per core of the cluster (Spark's default parallelism) when --shards is not given.
SHARDS_PER_CORE = 3

# The exit status of this script when a shard's trailmask could not run.
EXIT_SHARD_FAILED = 5

# BEGIN VALUE OPTIONS
# The options that take a value, per command (`*`: every command), so that the command line
# can be told apart into options and paths. tests/spark.rs compares this table with the CLI.
VALUE_OPTIONS_TABLE = """
*         -j -o --account --accounts --depth --from --max-file-size --output --role --since --source --threads --to --until
events    --format
graph     --collapse --format --level --min-count --top
chains    --format --min-depth
services  --format
passrole  --format
activity  --by --format --origin
findings  --baseline-until --fail-on --format --ignore --kind --min-refusals --min-severity
edges     --format
summary   --format
report    --level
"""
# END VALUE OPTIONS


def value_options():
    """The table above as {command: set of options that take a value}."""
    rows = [line.split() for line in VALUE_OPTIONS_TABLE.strip().splitlines()]
    common = set(next(row[1:] for row in rows if row[0] == "*"))
    return {row[0]: common | set(row[1:]) for row in rows if row[0] != "*"}


VALUE_OPTIONS = value_options()


class UsageError(Exception):
    """A command line this script cannot run (reported with exit status 2)."""


class Invocation:
    """The command line split: script options, COMMAND, its options and PATHs.

    Each option is a (name, value) pair, value None for a flag: `--since=7d`, `-j2` and
    `-qL` arrive as ("--since", "7d"), ("-j", "2"), ("-q", None) and ("-L", None).
    """

    def __init__(self, shards, partials_dir, command, options, paths):
        self.shards = shards
        self.partials_dir = partials_dir
        self.command = command
        self.options = options
        self.paths = paths

    def args(self, keep=lambda name: True):
        """The options whose name `keep` accepts, as arguments: a value attached with `=`, so
        that one starting with `-` (`-o=-out`) is still the option's (clap strips one `=`)."""
        args = []
        for name, value in self.options:
            if keep(name):
                args.append(name if value is None else f"{name}={value}")
        return args

    def option_args(self):
        """The options for reading: without -o/--output (the merge's) and -q (added)."""
        return self.args(lambda name: name not in OUTPUT_OPTIONS + QUIET_FLAGS)

    def merge_args(self):
        """Every option the user gave (the merge writes the output)."""
        return self.args()

    def list_args(self):
        """The options of `trailmask list` taken from the command's (--since, --until, -L).

        `findings --baseline-until` reads every date folder, whatever `--since` says (the
        baseline is every hop read up to its end), so its listing is not pruned by time."""
        with_history = self.command == "findings" and any(
            name == "--baseline-until" for name, _ in self.options
        )
        return self.args(
            lambda name: name in LIST_OPTIONS and not (with_history and name in TIME_OPTIONS)
        )

    def output_path(self):
        """The path -o/--output names, if any (the last one given)."""
        paths = [value for name, value in self.options if name in OUTPUT_OPTIONS]
        return paths[-1] if paths else None

    def wants_help(self):
        return any(name in ("-h", "--help") for name, _ in self.options)


OUTPUT_OPTIONS = ("-o", "--output")
QUIET_FLAGS = ("-q", "--quiet")
# The options `trailmask list` shares with the commands: they decide which files are listed.
LIST_OPTIONS = ("--since", "--until", "-L", "--follow")


def parse_args(argv):
    """Splits argv (without the script name) into an Invocation, or raises UsageError."""
    shards, partials_dir = None, None
    rest = list(argv)
    while rest and rest[0].partition("=")[0] in ("--shards", "--partials-dir"):
        name, equals, value = rest[0].partition("=")
        if equals and not value:
            raise UsageError(f"{name} needs a value")
        if equals:
            rest = rest[1:]  # `--shards=4`, as trailmask's options take it
        elif len(rest) < 2:
            raise UsageError(f"{rest[0]} needs a value")
        else:
            value, rest = rest[1], rest[2:]
        if name == "--shards":
            if not value.isdigit() or int(value) < 1:
                raise UsageError(f"--shards takes a number of shards, not {value!r}")
            shards = int(value)
        else:
            partials_dir = value
    if rest and rest[0] in ("-h", "--help"):
        raise ShowUsage()
    if not rest or rest[0] not in VALUE_OPTIONS:
        commands = ", ".join(VALUE_OPTIONS)
        raise UsageError(f"the first argument must be a command: one of {commands}")
    command, tokens = rest[0], rest[1:]
    options, paths = [], []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "--":
            paths += tokens[i + 1 :]
            break
        if token == "-" or not token.startswith("-"):
            paths.append(token)
            i += 1
        else:
            parsed, i = parse_option(tokens, i, VALUE_OPTIONS[command])
            options += parsed
    if "-" in paths:
        raise UsageError(
            "`-` (standard input) cannot be split into shards: "
            "give files, directories or s3:// prefixes"
        )
    for name, value in options:
        if name == "--ignore" and value in STDIN_PATHS:
            # spark-submit does not give the script its standard input: the merge would read
            # an empty list and leave nothing out, silently.
            raise UsageError(
                f"--ignore {value}: standard input does not reach this script through "
                "spark-submit; give --ignore a file"
            )
    now = datetime.datetime.now(datetime.timezone.utc)
    options = [(name, absolute_time(value, now) if name in TIME_OPTIONS else value) for name, value in options]
    return Invocation(shards, partials_dir, command, options, paths)


# Paths that name standard input.
STDIN_PATHS = ("-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0")

# The options that take a time, which may be an age (`7d`): each executor and the merge would
# read an age at its own moment, and the merge refuses partials read over another window.
TIME_OPTIONS = ("--since", "--until", "--baseline-until")
AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def absolute_time(value, now):
    """An age (`7d`, `12h`, as trailmask reads it: that long before now) as the instant it
    names, read once by the driver (to the second, in RFC 3339); any other value as given."""
    if value is None:
        return value
    digits = len(value) - len(value.lstrip("0123456789"))
    number, unit = value[:digits], value[digits:]
    if not number or unit not in AGE_UNITS:
        return value
    try:
        instant = now - datetime.timedelta(seconds=int(number) * AGE_UNITS[unit])
    except OverflowError:
        return value  # trailmask says what is wrong with it
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_option(tokens, i, takes_value):
    """The option(s) at tokens[i] as (name, value) pairs, and the index of the next token.

    A value is the rest of the token (`--since=7d`, `-j2`) or the next token; a cluster of
    short flags (`-qL`) is each of them, up to the first that takes a value. An option that
    lacks its value is passed on as a flag, for trailmask to report.
    """
    token = tokens[i]
    if token.startswith("--"):
        name, equals, value = token.partition("=")
        if name not in takes_value:
            return [(token, None)], i + 1  # a flag (`--calls=x` too: trailmask reports it)
        if equals:
            return [(name, value)], i + 1
        return [(name, tokens[i + 1] if i + 1 < len(tokens) else None)], i + 2
    options = []
    for k, letter in enumerate(token[1:], start=2):
        name = f"-{letter}"
        if name not in takes_value:
            options.append((name, None))
        elif k < len(token):
            # `-j2`, and `-j=2` as trailmask (clap) takes it: the value without the `=`.
            value = token[k:]
            return options + [(name, value[1:] if value.startswith("=") else value)], i + 1
        else:
            value = tokens[i + 1] if i + 1 < len(tokens) else None
            return options + [(name, value)], i + 2
    return options, i + 1


class Console:
    """This script's stdout and stderr: its own, or the spark-submit JVM's.

    spark-submit starts the script with stderr and stdout both one pipe, copied to the JVM's
    stdout by a daemon thread (which may not have copied the last bytes when the JVM exits):
    trailmask's messages would land in the output. There, bytes are written through the JVM's
    System.out and System.err over the Py4J gateway, and Python's own messages (a traceback)
    are sent to System.err too.
    """

    def __init__(self, jvm):
        self.jvm = jvm

    @classmethod
    def attach(cls):
        out, err = os.fstat(1), os.fstat(2)
        merged = stat.S_ISFIFO(out.st_mode) and (out.st_dev, out.st_ino) == (
            err.st_dev,
            err.st_ino,
        )
        if not merged or "PYSPARK_GATEWAY_PORT" not in os.environ:
            return cls(None)
        from pyspark import SparkContext

        SparkContext._ensure_initialized()
        console = cls(SparkContext._jvm)
        sys.stderr = console.text_stream()
        return console

    def error(self, data):
        """Writes bytes to stderr."""
        if self.jvm is None:
            sys.stderr.flush()
            sys.stderr.buffer.write(data)
            sys.stderr.buffer.flush()
        else:
            self.jvm.System.err.write(bytearray(data))
            self.jvm.System.err.flush()

    def output_text(self, text):
        """Writes text to stdout."""
        if self.jvm is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            self.jvm.System.out.write(bytearray(text.encode()))
            self.jvm.System.out.flush()

    def output_file(self, path):
        """Copies the file at `path` to stdout."""
        if self.jvm is None:
            with open(path, "rb") as output:
                shutil.copyfileobj(output, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            java = self.jvm.java
            java.nio.file.Files.copy(java.io.File(path).toPath(), self.jvm.System.out)
            self.jvm.System.out.flush()

    def text_stream(self):
        """A text stream whose lines go to error()."""
        console = self

        class ErrorLines(io.RawIOBase):
            def writable(self):
                return True

            def write(self, data):
                console.error(bytes(data))
                return len(data)

        return io.TextIOWrapper(io.BufferedWriter(ErrorLines()), line_buffering=True)


def find_binary():
    """The trailmask binary on the driver: $TRAILMASK_BIN (also the executors'), the one
    shipped with --files, or PATH's."""
    explicit = os.environ.get("TRAILMASK_BIN")
    if explicit and os.sep in explicit:
        return os.path.abspath(explicit)
    return explicit or shipped_binary() or shutil.which("trailmask")


def driver_binary():
    """find_binary(), or UsageError when there is none, or it is not an executable file."""
    binary = find_binary()
    if binary is None:
        raise UsageError(
            "no trailmask binary: set TRAILMASK_BIN, ship it with --files or put it on PATH"
        )
    found = shutil.which(binary) if os.sep not in binary else binary
    if found is None or not os.path.isfile(found) or not os.access(found, os.X_OK):
        raise UsageError(f"no trailmask binary at {binary}: not an executable file")
    return binary


def shipped_binary():
    """The trailmask shipped with `spark-submit --files`, made executable, or None."""
    from pyspark import SparkFiles

    try:
        path = SparkFiles.get("trailmask")
    except Exception:  # no SparkContext, or no files shipped at all
        return None
    if not os.path.isfile(path):
        return None
    if not os.access(path, os.X_OK):
        os.chmod(path, 0o755)
    return path


class ShowUsage(Exception):
    """`--help` before a command: this script's usage (a command's own help is trailmask's)."""


class Failed(Exception):
    """Stops the run: `stderr` is written as the script's, and `status` is its exit status."""

    def __init__(self, status, stderr):
        super().__init__(status)
        self.status = status
        self.stderr = stderr


def run_quietly(args, cwd=None):
    """Runs args, returning (exit status, stdout bytes, stderr bytes)."""
    done = subprocess.run(args, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True)
    return done.returncode, done.stdout, done.stderr


def check_options(binary, inv, scratch):
    """Runs the command over an empty listing: a usage error shows here, as trailmask says it."""
    empty = os.path.join(scratch, "empty.listing")
    with open(empty, "wb") as out:
        out.write(LISTING_MAGIC)
    status, _, stderr = run_quietly([binary, inv.command, *inv.option_args(), "-q", "--", empty])
    if status == 2:
        raise Failed(status, stderr)


def list_inputs(binary, inv):
    """`trailmask list` over the paths: (lines of files to read with their sizes, other lines).

    An entry passed over (`"skip"`: a digest, another name, a date folder) is never opened: it
    is one of the other lines. Its stderr is not shown: what it could not walk is in the
    listing, and the merge says it.
    """
    status, stdout, stderr = run_quietly([binary, "list", *inv.list_args(), "--", *inv.paths])
    if status not in (0, 1, 4) or not stdout.startswith(LISTING_MAGIC):
        raise Failed(status or 3, stderr)
    inputs, others, window = [], [], None
    for line in stdout[len(LISTING_MAGIC) :].splitlines():
        entry = json.loads(line)
        if "window" in entry:
            window = line
        elif "input" in entry and "skip" not in entry["input"]:
            inputs.append((line, entry["input"]["size"]))
        else:
            others.append(line)
    return inputs, others, window


def take_listed_window(console, inv, window):
    """A listing among the paths made with --since/--until: the listing holds only that
    window's date folders, and trailmask reads it with that window when none is given. The
    shards and the merge are then given it, so that every partial and the merge agree; the
    note trailmask says of it is said here (they say none: they are given a window)."""
    if window is None or any(name in ("--since", "--until") for name, _ in inv.options):
        return
    bounds = json.loads(window)["window"]
    taken = [(f"--{bound}", bounds[bound]) for bound in ("since", "until") if bound in bounds]
    inv.options += taken
    listed = next((path for path in inv.paths if listed_window_of(path) == window), None)
    if listed is not None:
        options = " ".join(f"{name} {value}" for name, value in taken)
        note = f"trailmask: {listed} was listed with {options}: reading that window\n"
        console.error(note.encode())


def listed_window_of(path):
    """The window line of the listing at `path` (the first line after its header but blank
    ones), or None."""
    try:
        if path == "-" or not os.path.isfile(path):
            return None
        with open(path, "rb") as listing:
            if listing.read(len(LISTING_MAGIC)) != LISTING_MAGIC:
                return None
            for line in listing:
                if line.strip():
                    return line.rstrip(b"\n") if line.startswith(b'{"window"') else None
    except OSError:
        return None
    return None


def plan_shards(inputs, others, count, window=None):
    """Splits the listing into `count` shard listings (bytes), by size, deterministically.

    Largest file first, each onto the lightest shard so far (the first of equals); a shard
    keeps its files in listing order. The lines that are not inputs go to the first shard;
    the listing's window line (if any) heads every shard.
    """
    count = max(1, min(count, len(inputs)))
    lightest = [(0, shard) for shard in range(count)]
    members = [[] for _ in range(count)]
    for i in sorted(range(len(inputs)), key=lambda i: (-inputs[i][1], i)):
        load, shard = heapq.heappop(lightest)
        members[shard].append(i)
        heapq.heappush(lightest, (load + inputs[i][1], shard))
    shards = []
    for shard, indexes in enumerate(members):
        lines = [inputs[i][0] for i in sorted(indexes)]
        if shard == 0:
            lines += others
        if window is not None:
            lines.insert(0, window)
        shards.append(LISTING_MAGIC + b"".join(line + b"\n" for line in lines))
    return shards


def run_shard(index, listing, job):
    """On an executor: `trailmask partial` over one shard listing.

    Returns (index, exit status or None, partial bytes or None, stderr bytes). The partial is
    trailmask's stdout, or (its first bytes) the file written under job["partials_dir"]; None
    when trailmask wrote none (a usage or output error, --strict stopping, a crash).
    """
    binary = job["binary"] or shipped_binary() or shutil.which("trailmask")
    if binary is None:
        return index, None, None, b"trailmask-spark: no trailmask binary on this executor\n"
    cwd = job["cwd"] if os.path.isdir(job["cwd"]) else None
    target = partial_path(job["partials_dir"], index) if job["partials_dir"] else "-"
    with tempfile.TemporaryDirectory(prefix="trailmask-shard-") as scratch:
        shard_path = os.path.join(scratch, f"shard-{index:05}.listing")
        with open(shard_path, "wb") as out:
            out.write(listing)
        args = [binary, "partial", *job["command"], "-q", "--output", target, "--", shard_path]
        try:
            status, stdout, stderr = run_quietly(args, cwd)
        except OSError as error:
            return index, None, None, f"trailmask-spark: {binary}: {error}\n".encode()
    if target != "-":
        stdout = read_head(target, len(PARTIAL_MAGIC))
    partial = stdout if stdout.startswith(PARTIAL_MAGIC) else None
    return index, status, partial, stderr


def partial_path(partials_dir, index):
    return os.path.join(partials_dir, f"part-{index:05}")


def read_head(path, size):
    """The first `size` bytes of a file, or b"" when it cannot be read."""
    try:
        with open(path, "rb") as file:
            return file.read(size)
    except OSError:
        return b""


def run_shards(spark_context, shards, job):
    """Runs every shard on the cluster, one partition each; the results in shard order."""
    rdd = spark_context.parallelize(list(enumerate(shards)), len(shards))
    results = rdd.map(lambda shard: run_shard(shard[0], shard[1], job)).collect()
    return sorted(results, key=lambda result: result[0])


# The statuses of a `trailmask partial` that wrote its whole partial: read, some inputs
# failed, an S3 location unreachable.
PARTIAL_WRITTEN = (0, 1, 4)


# The characters trailmask escapes when it prints a path (src/export/table.rs, needs_escape):
# besides control characters, those that change or hide how text reads.
INVISIBLE = (
    [0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x180E, 0x3164, 0xFEFF, 0xFFA0]
    + list(range(0x200B, 0x2010))
    + list(range(0x2028, 0x202F))
    + list(range(0x2060, 0x2065))
    + list(range(0x2066, 0x2070))
    + list(range(0xFE00, 0xFE10))
    + list(range(0xFFF9, 0xFFFC))
    + list(range(0xE0000, 0xE0080))
)
ESCAPED = {ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t", ord("\\"): "\\\\"}


def printed_path(path):
    """`path` as trailmask prints it on stderr: a name that is not UTF-8 with replacement
    characters, and (when any character needs it) escapes, as its `printable` writes them."""
    text = os.fsencode(path).decode("utf-8", "replace")

    def needs_escape(c):
        return unicodedata.category(c) == "Cc" or ord(c) in INVISIBLE

    if not any(needs_escape(c) for c in text):
        return text
    return "".join(
        ESCAPED.get(ord(c)) or (f"\\u{{{ord(c):x}}}" if needs_escape(c) else c) for c in text
    )


def listed_path(entry):
    """The path of a listing's entry (`input` or `failed`): its text, or, for a name that is
    not UTF-8, its bytes (`path_bytes`) as the file system's string."""
    if "path_bytes" in entry:
        return os.fsdecode(bytes(entry["path_bytes"]))
    return entry.get("path")


def failed_entry(listing, stderr):
    """The entry of the listing a shard stopped at (--strict): the first (a path that could
    not be walked, or a file) its stderr names; None if none."""
    lines = stderr.decode(errors="replace").splitlines()
    for line in listing[len(LISTING_MAGIC) :].splitlines():
        entry = json.loads(line)
        path = listed_path(entry.get("failed") or entry.get("input") or {})
        if path is None:
            continue
        printed = printed_path(path)
        if any(line.startswith(f"trailmask: {printed}: ") for line in lines):
            return entry
    return None


def first_stopped(results, shards, order):
    """The shards in the order their failures are reported: with --strict several shards may
    stop, each at its own first bad file; a direct run names the first by the listing's
    order, so the shard whose failure comes first in it goes first (paths that could not be
    walked, in the first shard, before any file). Shards whose failure is not found keep their
    order, after the others."""

    def rank(result):
        index, status, partial, stderr = result
        if partial is not None or status not in (1, 4):
            return (1, index)
        entry = failed_entry(shards[index], stderr)
        if entry is None:
            return (1, index)
        if "failed" in entry:
            return (0, -1)
        return (0, order.get(listed_path(entry["input"]), len(order)))

    return sorted(results, key=rank)


def check_shards(results, shards, order):
    """Stops as the first shard that wrote no whole partial did (its stderr, its status);
    `shards` are their listings and `order` each listed path's place in the whole listing:
    shards stopped by --strict are taken in the order of their failures' files.

    A partial's first bytes are not enough: a trailmask killed while writing (its status
    negative, or any status but those of a partial written) left one cut short, which the
    merge would read as one damaged input and leave the shard's files uncounted."""
    results = first_stopped(results, shards, order)
    for index, status, partial, stderr in results:
        if partial is not None and status in PARTIAL_WRITTEN:
            continue
        if status is None or status < 0:
            signal = f" (killed by signal {-status})" if status else ""
            note = f"trailmask-spark: shard {index} could not run{signal}\n".encode()
            raise Failed(EXIT_SHARD_FAILED, stderr + note)
        if partial is None and status == 0:
            note = (
                f"trailmask-spark: shard {index}'s trailmask wrote no partial of format "
                f"{PARTIAL_MAGIC.decode().split()[-1]} (is the executors' trailmask the "
                "driver's version? TRAILMASK_BIN or --files ships it)\n"
            ).encode()
            raise Failed(EXIT_SHARD_FAILED, stderr + note)
        raise Failed(status or 1, stderr)


def check_output(inv, inputs):
    """Refuses -o naming one of the listed inputs (status 2: it would replace a log, which may
    be evidence, with the output), and an output folder that does not exist or cannot be
    written in (status 3), before any shard runs, as trailmask does before reading."""
    output = inv.output_path()
    if output is None or output == "-":
        return
    if os.path.isfile(output):
        for line, _ in inputs:
            path = listed_path(json.loads(line)["input"]) or ""
            try:
                same = not path.startswith("s3://") and os.path.samefile(output, path)
            except OSError:
                same = False
            if same:
                raise Failed(
                    2,
                    f"trailmask-spark: error: -o {output} is an input ({path}); refusing to "
                    "write over it\n".encode(),
                )
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise Failed(
            3, f"trailmask-spark: error: -o {output}: no such folder {folder}\n".encode()
        )
    # A folder the output cannot be written in (its permissions, a read-only file system,
    # /proc) fails here as it would at the end, where trailmask writes a file beside it first.
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".trailmask-spark-check-"):
            pass
    except OSError as error:
        raise Failed(
            3,
            f"trailmask-spark: error: {output}: cannot write output: {error.strerror} "
            f"(os error {error.errno})\n".encode(),
        ) from error


def write_partials(results, scratch):
    """Writes the collected partials to files for the merge; their paths in shard order."""
    paths = []
    for index, _, partial, _ in results:
        path = partial_path(scratch, index)
        with open(path, "wb") as out:
            out.write(partial)
        paths.append(path)
    return paths


def merge(console, binary, inv, partial_paths, scratch):
    """The command over the partials, its stdout and stderr ours: its exit status."""
    output = os.path.join(scratch, "output")
    with open(output, "wb") as stdout:
        done = subprocess.run(
            [binary, inv.command, *inv.merge_args(), "--", *partial_paths],
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.PIPE,
        )
    console.output_file(output)
    console.error(done.stderr)
    return done.returncode


def prepare_partials_dir(path):
    """Creates --partials-dir (absolute), refusing one that already holds partials."""
    path = os.path.abspath(path)
    os.makedirs(path, exist_ok=True)
    if any(name.startswith("part-") for name in os.listdir(path)):
        raise UsageError(f"{path} already holds partials (part-*): remove them or pick another")
    return path


def start_spark():
    """The SparkContext, Spark's own logging at WARN unless spark.log.level says otherwise."""
    from pyspark import SparkConf, SparkContext

    conf = SparkConf().setAppName("trailmask").setIfMissing("spark.log.level", "WARN")
    return SparkContext.getOrCreate(conf)


def run(console, inv, scratch):
    """Lists, shards, reads on the cluster and merges: the exit status."""
    spark_context = start_spark()
    binary = driver_binary()
    partials_dir = inv.partials_dir and prepare_partials_dir(inv.partials_dir)
    check_options(binary, inv, scratch)
    inputs, others, window = list_inputs(binary, inv)
    take_listed_window(console, inv, window)
    if not inputs:
        # Nothing to read: the command over the paths themselves says what it says of them
        # ("no log file found in DIR"), naming the user's paths, not the shards'.
        return merge(console, binary, inv, inv.paths, scratch)
    check_output(inv, inputs)
    count = inv.shards or SHARDS_PER_CORE * spark_context.defaultParallelism
    job = {
        "binary": binary if os.environ.get("TRAILMASK_BIN") else None,
        "cwd": os.getcwd(),
        "command": [inv.command, *inv.option_args()],
        "partials_dir": partials_dir,
    }
    shards = plan_shards(inputs, others, count, window)
    results = run_shards(spark_context, shards, job)
    order = {listed_path(json.loads(line)["input"]): at for at, (line, _) in enumerate(inputs)}
    check_shards(results, shards, order)
    if partials_dir:
        paths = [partial_path(partials_dir, index) for index, _, _, _ in results]
    else:
        paths = write_partials(results, scratch)
    return merge(console, binary, inv, paths, scratch)


def main(argv):
    console = Console.attach()
    with tempfile.TemporaryDirectory(prefix="trailmask-spark-") as scratch:
        try:
            inv = parse_args(argv)
            if inv.wants_help() or not inv.paths:
                # Help, or no PATH: trailmask answers, as it would run directly.
                return merge(console, driver_binary(), inv, inv.paths, scratch)
            return run(console, inv, scratch)
        except ShowUsage:
            usage = __doc__.split("\n\nThe flow:")[0]
            console.output_text(usage + "\n\n`... COMMAND --help` shows the command's options.\n")
            return 0
        except UsageError as error:
            console.error(f"trailmask-spark: error: {error}\n".encode())
            return 2
        except Failed as failed:
            console.error(failed.stderr)
            return failed.status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
