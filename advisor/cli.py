"""The `advise` command line: parse, call the library, render, set the exit code.

Exit codes: 0 success; 2 bad input or usage (a message on stderr naming the file, line
and column); 1 an internal error, reported in one line (rerun with --debug for the
traceback).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Callable

import click

from .errors import UserError
from .inputs import MAX_BYTES

_DEBUG_FLAG = "--debug"


class DefaultGroup(click.Group):
    """A group whose first argument may be a file: `advise FILE` means `advise run FILE`."""

    default_command = "run"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        args = [a for a in args if a != _DEBUG_FLAG]
        if args and not any(a in ("--help", "-h", "--version") for a in args[:1]):
            at = self._command_at(args)
            if at is None:
                args = [self.default_command, *args]
            elif at > 0:  # options before the command (`advise -o out.md causes FILE`): move it first
                args = [args[at], *args[:at], *args[at + 1 :]]
        return super().parse_args(ctx, args)

    def _command_at(self, args: list[str]) -> int | None:
        """Where the command name is: the first argument that is neither an option nor (by its
        place right after an option) an option's value; None when that is not a command."""
        for i, arg in enumerate(args):
            if arg.startswith("-"):
                continue
            if i > 0 and args[i - 1].startswith("-") and "=" not in args[i - 1]:
                continue
            return i if arg in self.commands else None
        return None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is None or cmd.hidden:
                continue
            rows.append((name, cmd.get_short_help_str(limit=70)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _use_color(output: str | None) -> bool:
    if output is not None or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout is not None and sys.stdout.isatty()


def emit(text: str, output: str | None) -> None:
    """Print to stdout, or write the file atomically."""
    if output:
        from .outputs import write_atomic

        write_atomic(output, text)
    else:
        from .outputs import write_stdout

        write_stdout(text)


def format_option(choices: tuple[str, ...], default: str = "text") -> Callable[[Any], Any]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )


output_option = click.option(
    "-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write to FILE (atomically) instead of stdout."
)
kb_option = click.option(
    "--kb",
    "kb_dirs",
    multiple=True,
    type=click.Path(),
    help="A directory of your own rules, remedies and signals, overlaid on the shipped knowledge by id. Repeatable.",
)
max_bytes_option = click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=MAX_BYTES,
    show_default=True,
    help="Refuse input files larger than this.",
)


@click.group(
    cls=DefaultGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    subcommand_metavar="OBSERVATIONS.yaml | COMMAND [ARGS]...",
)
@click.version_option(package_name="advisor", prog_name="advise")
def cli() -> None:
    """Root causes and an improvement roadmap for a customer-service centre.

    `advise OBSERVATIONS.yaml` prints the whole advice; its options (--format, -o, --kb,
    --max-bytes) are listed by `advise run --help`.

    \b
    Examples:
      advise examples/harbour_bank.yaml
      advise examples/harbour_bank.yaml --format md -o roadmap.md
      advise causes examples/three_signals.yaml --format json

    Add --debug to any command to see the traceback of an internal error.
    """


def _advisor(kb_dirs: tuple[str, ...]) -> Any:
    from .advice import Advisor

    return Advisor(kb_dirs=kb_dirs)


# reports (issue 4): a consultant's own templates, run in Jinja2's sandbox
templates_option = click.option(
    "--templates",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="A directory of your own Jinja2 templates (advice.html.j2, advice.md.j2, ...); "
    "the shipped ones are used for any it lacks. They run in Jinja2's sandbox.",
)


@cli.command("run", short_help="The whole advice (the default: `advise FILE` is `advise run FILE`).")
@click.argument("observations", type=click.Path())
@format_option(("text", "md", "html", "json"))
@output_option
@kb_option
@max_bytes_option
@templates_option
def run_cmd(observations: str, fmt: str, output: str | None, kb_dirs: tuple[str, ...], max_bytes: int, templates: str | None) -> None:
    """The whole advice: root causes, core services, the prioritised roadmap, staffing and the business case.

    \b
    Examples:
      advise examples/harbour_bank.yaml --format json -o advice.json
      advise examples/harbour_bank.yaml --format html -o report.html
      advise examples/harbour_bank.yaml --format md --templates my_templates/
    """
    _advise_and_emit(observations, fmt, output, kb_dirs, max_bytes, templates, view="advice")


def _advise_and_emit(
    observations: str, fmt: str, output: str | None, kb_dirs: tuple[str, ...], max_bytes: int, templates: str | None, *, view: str
) -> None:
    """Advise on one file and write one view of it: what `run` and `causes` share."""
    from .render import render

    advisor = _advisor(kb_dirs)
    advice = advisor.advise(advisor.load(observations, max_bytes=max_bytes))
    emit(render(advice, fmt, color=_use_color(output), view=view, templates=Path(templates) if templates else None), output)


@cli.command("causes")
@click.argument("observations", type=click.Path())
@format_option(("text", "md", "json"))
@output_option
@kb_option
@max_bytes_option
@templates_option
def causes_cmd(observations: str, fmt: str, output: str | None, kb_dirs: tuple[str, ...], max_bytes: int, templates: str | None) -> None:
    """The ranked root causes with their evidence.

    \b
    Example:
      advise causes examples/three_signals.yaml --format json
    """
    _advise_and_emit(observations, fmt, output, kb_dirs, max_bytes, templates, view="causes")


# --- queries: why, remedies, kb, init, schema (issue 3) -------------------------------


def _query_template(name: str, color: bool, **data: Any) -> str:
    from .render import environment

    return environment(color=color).get_template(name).render(**data)


def _to_json(data: Any) -> str:
    import json

    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@cli.command("why")
@click.argument("factor")
@click.argument("observations", type=click.Path())
@format_option(("text", "md", "json"))
@output_option
@kb_option
@max_bytes_option
def why_cmd(factor: str, observations: str, fmt: str, output: str | None, kb_dirs: tuple[str, ...], max_bytes: int) -> None:
    """How a factor's certainty was reached, and what would change it.

    The rules that fired and what they matched, the combination step by step, evidence
    against, rules that nearly fired and the observations that would most change it.

    \b
    Example:
      advise why staffing_gaps examples/harbour_bank.yaml
      advise why "Misaligned KPIs" examples/harbour_bank.yaml --format json
    """
    from .explain import MIN_CHANGE, explain

    advisor = _advisor(kb_dirs)
    factor_id = advisor.knowledge.factor_id(factor)  # a typo stops here, before reading the file
    assessment = advisor.load(observations, max_bytes=max_bytes)
    advice = advisor.advise(assessment)
    exp = explain(factor_id, advice.findings, advice.firings, assessment, advisor.knowledge)
    doc = {"centre": assessment.centre, "assessed": assessment.assessed.isoformat(), **exp.to_json()}
    if fmt == "json":
        emit(_to_json(doc), output)
        return
    names = {f.id: f.name for f in advisor.knowledge.factors.values()}
    doc["feeds"] = [{**x, "label": f"{names[x['factor']]} ({x['weight']:g})"} for x in doc["feeds"]]
    doc["fed_by"] = [{**x, "label": f"{names[x['factor']]} ({x['weight']:g})"} for x in doc["fed_by"]]
    text = _query_template(f"why.{'md' if fmt == 'md' else 'txt'}.j2", _use_color(output), doc=doc, causes_count=len(advice.causes), min_change=MIN_CHANGE)
    emit(text, output)


@cli.command("remedies")
@click.argument("factor")
@format_option(("text", "json"))
@output_option
@kb_option
def remedies_cmd(factor: str, fmt: str, output: str | None, kb_dirs: tuple[str, ...]) -> None:
    """What the knowledge base offers against a factor.

    Effectiveness, effort, time to impact, owner, prerequisites and the KPIs to track.

    \b
    Example:
      advise remedies staffing_gaps
      advise remedies misaligned_kpis --format json
    """
    from .catalogue import remedies_dict
    from .knowledge import load_knowledge

    knowledge = load_knowledge(kb_dirs)
    doc = remedies_dict(knowledge, knowledge.factor_id(factor))
    emit(_to_json(doc) if fmt == "json" else _query_template("remedies.txt.j2", _use_color(output), doc=doc), output)


@cli.group("kb")
def kb_group() -> None:
    """Check, list and export the knowledge base.

    \b
    Examples:
      advise kb check --kb my-knowledge/
      advise kb show --section rules
      advise kb graph --format dot -o advisor.dot
    """


@kb_group.command("check")
@format_option(("text", "json"))
@output_option
@kb_option
@click.option("--standalone", is_flag=True, help="Check the --kb directories as a complete knowledge base, without the shipped one.")
def kb_check_cmd(fmt: str, output: str | None, kb_dirs: tuple[str, ...], standalone: bool) -> None:
    """Lint the knowledge base: every defect with its file and line.

    Errors exit 2; warnings alone exit 0.

    \b
    Example:
      advise kb check --kb examples/overlay
    """
    from .lint import check

    if standalone and not kb_dirs:
        raise click.UsageError("--standalone needs at least one --kb directory")
    report = check(kb_dirs, standalone=standalone)
    text = _to_json(report.to_json()) if fmt == "json" else _query_template("kb_check.txt.j2", _use_color(output), report=report)
    emit(text, output)
    if report.errors:
        sys.exit(2)


@kb_group.command("show")
@format_option(("text", "json"))
@output_option
@kb_option
@click.option(
    "--section",
    "sections",
    type=click.Choice(("factors", "rules", "remedies", "signals")),
    multiple=True,
    help="Only these parts (repeatable); all by default.",
)
def kb_show_cmd(fmt: str, output: str | None, kb_dirs: tuple[str, ...], sections: tuple[str, ...]) -> None:
    """List the factors, rules, remedies and signals.

    \b
    Example:
      advise kb show --section signals
      advise kb show --format json --kb examples/overlay
    """
    from .catalogue import kb_dict
    from .knowledge import load_knowledge

    doc = kb_dict(load_knowledge(kb_dirs))
    chosen = sections or ("factors", "rules", "remedies", "signals")
    if fmt == "json":
        emit(_to_json({k: v for k, v in doc.items() if k not in ("factors", "rules", "remedies", "signals") or k in chosen}), output)
        return
    emit(_query_template("kb_show.txt.j2", _use_color(output), doc=doc, sections=chosen), output)


@kb_group.command("graph")
@format_option(("dot", "graphml", "json"), default="dot")
@output_option
@kb_option
def kb_graph_cmd(fmt: str, output: str | None, kb_dirs: tuple[str, ...]) -> None:
    """Export the whole cause–remedy graph (dot, graphml, json).

    Edges: signal → factor (evidence), factor → factor (influences), factor → remedy
    (remedied by), remedy → remedy (requires).

    \b
    Example:
      advise kb graph --format dot -o advisor.dot && dot -Tsvg advisor.dot -o advisor.svg
    """
    from .catalogue import to_dot, to_graphml, to_node_link

    graph = _advisor(kb_dirs).graph
    text = to_dot(graph) if fmt == "dot" else to_graphml(graph) if fmt == "graphml" else _to_json(to_node_link(graph))
    emit(text, output)


@cli.command("init")
@output_option
@kb_option
def init_cmd(output: str | None, kb_dirs: tuple[str, ...]) -> None:
    """An annotated observations template (the assessment questionnaire).

    Every signal with its meaning, unit, good direction and benchmark, grouped as you walk
    a centre. Uncomment the lines you observed and fill them in.

    \b
    Example:
      advise init -o northside.yaml
    """
    from .knowledge import load_knowledge
    from .questionnaire import questionnaire

    emit(_query_template("init.yaml.j2", False, **questionnaire(load_knowledge(kb_dirs))), output)


@cli.command("schema")
@output_option
@kb_option
def schema_cmd(output: str | None, kb_dirs: tuple[str, ...]) -> None:
    """The JSON Schema of the observations file, for editors.

    Draft 2020-12, generated from the knowledge base (with your --kb overlays).

    \b
    Example:
      advise schema -o observations.schema.json
    """
    from .knowledge import load_knowledge
    from .schema import observations_schema

    emit(_to_json(observations_schema(load_knowledge(kb_dirs))), output)


# --- reports: html, staffing, business case, templates (issue 4) -----------------------


# --- review and portfolio: compare, portfolio (issue 5) --------------------------------


@cli.command("compare")
@click.argument("earlier", type=click.Path())
@click.argument("later", type=click.Path())
@format_option(("text", "md", "html", "json"))
@output_option
@kb_option
@max_bytes_option
@click.option("--force", is_flag=True, help="Compare files even when they name different centres.")
def compare_cmd(
    earlier: str, later: str, fmt: str, output: str | None, kb_dirs: tuple[str, ...], max_bytes: int, force: bool
) -> None:
    """The half-yearly review: what improved, what did not, what to do next.

    Compares two assessments of the same centre: measures that moved, causes resolved, new
    and persisting, the earlier roadmap's progress (from the later file's `progress`
    section; remedies reported done whose KPIs did not improve are flagged), the corrected
    roadmap and the next review date.

    \b
    Example:
      advise compare examples/harbour_bank.yaml examples/harbour_bank_2024H2.yaml
    """
    from .compare import compare, render_comparison

    advisor = _advisor(kb_dirs)
    # the review does not show what to check next: skip that search (checks=False)
    before = advisor.advise(advisor.load(earlier, max_bytes=max_bytes), checks=False)
    after = advisor.advise(advisor.load(later, max_bytes=max_bytes), checks=False)
    result = compare(before, after, force=force)
    emit(render_comparison(result, fmt, color=_use_color(output)), output)


@cli.command("portfolio")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@format_option(("text", "md", "html", "json", "csv"))
@output_option
@kb_option
@max_bytes_option
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for large portfolios (default: the usable cores; 1 runs in one process).",
)
def portfolio_cmd(
    paths: tuple[str, ...], fmt: str, output: str | None, kb_dirs: tuple[str, ...], max_bytes: int, jobs: int | None
) -> None:
    """Many centres at once: which deviate, the most common causes, each centre's top remedies.

    Takes observation files and directories (searched for .yaml files), in path order. A
    file that fails to load is reported with its error and the rest still run; the exit
    code is then 2.

    \b
    Examples:
      advise portfolio examples/
      advise portfolio audits/2024Q3 --format html -o portfolio.html
      advise portfolio audits/*.yaml --format csv -o centres.csv
    """
    from .portfolio import render_portfolio, run

    result = run(paths, kb_dirs=kb_dirs, max_bytes=max_bytes, jobs=jobs)
    emit(render_portfolio(result, fmt, color=_use_color(output)), output)
    if result.failures:
        for failure in result.failures:
            click.echo(f"advise: {failure.error}", err=True)
        click.echo(f"advise: {len(result.failures)} of {len(result.failures) + len(result.centres)} files failed", err=True)
        sys.exit(2)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: user errors exit 2, internal errors exit 1 in one line.

    The contract is in the README ("Exit codes and limits", issue 6).
    """
    from .errors import EngineError, ReaderGone
    from .inputs import forget_inputs

    args = list(sys.argv[1:] if argv is None else argv)
    debug = _DEBUG_FLAG in args or bool(os.environ.get("ADVISE_DEBUG"))
    forget_inputs()
    try:
        code = cli.main(args=args, prog_name="advise", standalone_mode=False)
    except click.exceptions.Abort:  # click turns Ctrl-C into Abort
        click.echo("advise: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except UserError as exc:
        click.echo(f"advise: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("advise: interrupted", err=True)
        sys.exit(130)
    except (ReaderGone, BrokenPipeError):
        from .outputs import discard_stdout

        discard_stdout()
        sys.exit(0)
    except Exception as exc:  # noqa: BLE001 - the one place that catches everything
        if debug:
            if isinstance(exc, EngineError) and exc.detail:
                click.echo(f"advise: durable-rules reported: {exc.detail}", err=True)
            raise
        what = "internal error in the rule engine" if isinstance(exc, EngineError) else "internal error"
        first = (str(exc).strip().splitlines() or [""])[0]
        click.echo(f"advise: {what}: {type(exc).__name__}: {first} (rerun with --debug for the traceback)", err=True)
        sys.exit(1)
    if isinstance(code, int) and code:  # `--help`/`--version` return 0; a usage exit its code
        sys.exit(code)
