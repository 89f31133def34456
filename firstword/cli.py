"""The ``firstword`` command line: serve, listen, bench."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from firstword.config import load_settings

app = typer.Typer(help="firstword: a streaming-first real-time AI conversation server.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks (JSON + a human summary).", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
protocol_app = typer.Typer(help="The wire protocol's generated artefacts.", no_args_is_help=True)
app.add_typer(protocol_app, name="protocol")


def _register_subcommands() -> None:
    # Imported here so that `firstword serve` does not pay for their imports.
    from firstword.actions.cli import actions_app
    from firstword.critic.cli import critic_app
    from firstword.hiring.cli import assess_app
    from firstword.hiring.service.cli import hiring_app
    from firstword.store.cli import history_app

    app.add_typer(history_app, name="history")
    app.add_typer(critic_app, name="critic")
    app.add_typer(actions_app, name="actions")
    app.add_typer(assess_app, name="assess")
    app.add_typer(hiring_app, name="hiring")


_register_subcommands()
console = Console()

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "speech"


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address (default from config: 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default from config: 8765)")] = None,
) -> None:
    """Run the server with the configured engines (default: bundled models, fully offline)."""
    import uvicorn

    from firstword.server.app import create_app

    settings = load_settings()
    if host is not None:
        settings.server.host = host
    if port is not None:
        settings.server.port = port
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    url = f"http://{settings.server.host}:{settings.server.port}"
    console.print(f"[bold]firstword[/] loading engines (STT {settings.stt.engine}, LLM {settings.llm.engine}) …")
    def announce() -> None:
        console.print(
            f"[bold green]firstword is listening on {url}[/]  "
            f"(open it in a browser for the copilot overlay, or: firstword listen RECORDING.wav --url {url})"
        )

    fastapi_app = create_app(settings, on_ready=announce)

    from firstword.server.http_timeouts import connection_limit, header_timeout_protocol

    uvicorn.run(fastapi_app, host=settings.server.host, port=settings.server.port, log_level="warning",
                ws_max_size=settings.server.ws_max_frame_bytes,
                # Open event streams never end by themselves: give them a moment, then close.
                timeout_graceful_shutdown=5,
                # uvicorn has no header read timeout (slowloris): its protocol class with one added.
                http=header_timeout_protocol(settings.server.header_timeout_s),
                # Connections at once, from the descriptor budget (logged): 503 beyond, not EMFILE.
                limit_concurrency=connection_limit(settings.server))


@protocol_app.command("js")
def protocol_js(
    check: Annotated[bool, typer.Option(help="only check that the file on disk is up to date")] = False,
) -> None:
    """Write web/static/protocol.js (event names, enumerations, close codes for the pages)."""
    from firstword.events import js

    path = js.default_path()
    if check:
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        if current != js.render():
            console.print(f"[red]{path} is out of date[/]: run `firstword protocol js`")
            raise typer.Exit(1)
        console.print(f"{path} is up to date")
        return
    console.print(f"wrote {js.write()}")


@app.command()
def listen(
    file: Annotated[Path, typer.Argument(help="a recording (WAV/FLAC/OGG, any rate or channels)")],
    profile: Annotated[Path | None, typer.Option(help="profile directory (resume, job description, notes)")] = None,
    url: Annotated[str | None, typer.Option(help="a running server; default: start one on loopback")] = None,
    fast: Annotated[bool, typer.Option(help="feed as fast as possible instead of in real time")] = False,
) -> None:
    """Play a recording through the server's WebSocket; show the live transcript and answers."""
    from firstword.answerer.profile import load_profile_dir
    from firstword.audio.recording import load_recording
    from firstword.bench.server_process import ServerProcess

    samples = load_recording(file)
    prof = load_profile_dir(profile) if profile is not None else None
    if url is None:
        # Its own server: --fast must not be paced to real time (limits.audio_speed) there.
        env = {"FIRSTWORD_LIMITS__AUDIO_SPEED": "0"} if fast else {}
        with console.status("starting a local server with the bundled engines"):
            server = ServerProcess(env).__enter__()
        try:
            asyncio.run(_listen(server.url, samples, prof, not fast))
        finally:
            server.__exit__()
    else:
        if fast:
            console.print("[yellow]--fast against a running server: it takes audio at up to its limits.audio_speed "
                          "(1.25x real time by default) after a 6 s burst and drops the rest (audio_too_fast)[/]")
        asyncio.run(_listen(url, samples, prof, not fast))


async def _listen(url: str, samples: Any, profile: Any, realtime: bool) -> None:
    from firstword.client import FirstwordClient, Received

    client = FirstwordClient(url)
    view = _ListenView()
    try:
        session = await client.create_session(profile=profile)
        with Live(view.render(), console=console, refresh_per_second=20, transient=False) as live:

            def on_event(received: Received) -> None:
                view.update(received.event)
                live.update(view.render())

            record = await client.stream(session, samples, realtime=realtime, on_event=on_event)
        await client.close_session(session)
    finally:
        await client.aclose()
    for error in record.errors:
        console.print(f"[red]error[/] {error.get('code')}: {error.get('message')}")
    console.print(view.latency_table())


class _ListenView:
    def __init__(self) -> None:
        self.turns: dict[int, dict[str, Any]] = {}
        self.latency: list[dict[str, Any]] = []

    def _turn(self, turn: int) -> dict[str, Any]:
        return self.turns.setdefault(turn, {"finals": {}, "interim": "", "answers": {}})

    def update(self, event: Any) -> None:
        from firstword.events import (
            AnswerCancelled,
            AnswerCorrected,
            AnswerDelta,
            AnswerDone,
            AnswerRetracted,
            AnswerStarted,
            TranscriptFinal,
            TranscriptInterim,
            TurnLatency,
        )

        if event.turn is None:
            return
        t = self._turn(event.turn)
        try:
            payload = event.payload()
        except Exception:  # a type this version does not show (or a malformed one): skip it
            return
        if isinstance(payload, TranscriptInterim):
            t["interim"] = payload.text
        elif isinstance(payload, TranscriptFinal):
            # A final that re-transcribed earlier ones takes the place of the first of them.
            at = next((i for i, seq in enumerate(t["finals"]) if seq in payload.replaces), len(t["finals"]))
            items = [(seq, text) for seq, text in t["finals"].items() if seq not in payload.replaces]
            items.insert(min(at, len(items)), (event.seq, payload.text))
            t["finals"] = dict(items)
            t["interim"] = ""
        elif isinstance(payload, AnswerStarted):
            t["answers"][payload.answer_id] = {
                "trigger": payload.trigger.value, "text": "", "status": "streaming", "retracted": [], "fixes": []
            }
        elif isinstance(payload, AnswerDelta) and payload.answer_id in t["answers"]:
            t["answers"][payload.answer_id]["text"] += payload.text
        elif isinstance(payload, AnswerDone) and payload.answer_id in t["answers"]:
            t["answers"][payload.answer_id]["status"] = "done"
        elif isinstance(payload, AnswerCancelled) and payload.answer_id in t["answers"]:
            t["answers"][payload.answer_id]["status"] = f"cancelled ({payload.reason.value})"
        elif isinstance(payload, AnswerRetracted) and payload.answer_id in t["answers"]:
            t["answers"][payload.answer_id]["retracted"].append((payload.start, payload.end, payload.evidence))
        elif isinstance(payload, AnswerCorrected) and payload.answer_id in t["answers"]:
            t["answers"][payload.answer_id]["fixes"].append(payload.text)
        elif isinstance(payload, TurnLatency):
            self.latency.append({"turn": event.turn, **payload.model_dump(mode="json")})

    def render(self) -> Group:
        parts: list[Any] = []
        for turn_id, t in self.turns.items():
            heard = " ".join(t["finals"].values())
            line = Text(f"Q{turn_id} ", style="bold cyan")
            line.append(heard)
            if t["interim"]:
                line.append((" " if heard else "") + t["interim"], style="dim")
            parts.append(line)
            for answer_id, a in t["answers"].items():
                style = "strike dim" if a["status"].startswith("cancelled") else "green"
                answer = Text(f"  A{answer_id} [{a['trigger']}] ", style="bold")
                text = a["text"].strip()
                cursor = 0
                for start, end, why in sorted(a.get("retracted", [])):
                    if start < cursor or end > len(text):
                        continue
                    answer.append(text[cursor:start], style=style)
                    answer.append(text[start:end], style="strike red")
                    answer.append(f" (retracted: {why}) ", style="italic red")
                    cursor = end
                answer.append(text[cursor:], style=style)
                for fix in a.get("fixes", []):
                    answer.append(f" → {fix}", style="bold green")
                if a["status"] != "done":
                    answer.append(f"  ({a['status']})", style="yellow")
                parts.append(answer)
        return Group(*parts) if parts else Group(Text("waiting for speech …", style="dim"))

    def latency_table(self) -> Table:
        table = Table(title="per-turn latency (ms, server clock)")
        for col in ("turn", "trigger", "endpoint", "stt final", "llm ttft", "vad→word", "e2e"):
            table.add_column(col, justify="right")
        for r in self.latency:
            table.add_row(str(r["turn"]), str(r.get("trigger")), *(
                "—" if r.get(k) is None else f"{r[k]:.0f}"
                for k in ("endpoint_delay_ms", "stt_final_ms", "llm_ttft_ms", "vad_to_first_word_ms", "e2e_first_word_ms")
            ))
        return table


def _corpus_option(corpus: Path | None) -> Path:
    path = corpus or DEFAULT_CORPUS
    if not (path / "manifest.jsonl").is_file():
        console.print(f"[red]no manifest.jsonl in {path}[/] (pass --corpus DIR)")
        raise typer.Exit(2)
    return path


@bench_app.command("latency")
def bench_latency(
    corpus: Annotated[Path | None, typer.Option(help="directory with manifest.jsonl and recordings")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the full results here")] = None,
    url: Annotated[str | None, typer.Option(help="benchmark a running server instead of starting one")] = None,
    limit: Annotated[int | None, typer.Option(help="only the first N recordings")] = None,
    no_offline_wer: Annotated[bool, typer.Option(help="skip the 30-s-path WER baseline")] = False,
    variant: Annotated[
        list[str] | None,
        typer.Option(
            help="a server configuration to compare, NAME:section.field=value,... (repeat); "
            "e.g. today:endpointing.turn_end.policy=semantic"
        ),
    ] = None,
    plot: Annotated[
        Path | None, typer.Option(help="draw each stage's latency and the speed/take-back trade-off (SVG)")
    ] = None,
) -> None:
    """End of speech → first word, per turn, over a corpus fed in real time over the WebSocket."""
    from firstword.bench.latency import parse_variant, run

    try:
        variants = [parse_variant(v) for v in variant or []]
    except ValueError as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(2) from None
    run(_corpus_option(corpus), json_out, url=url, limit=limit, wer_offline=not no_offline_wer, console=console,
        variants=variants or None, plot=plot)


@bench_app.command("capacity")
def bench_capacity(
    corpus: Annotated[Path | None, typer.Option(help="directory with manifest.jsonl and recordings")] = None,
    sessions: Annotated[str, typer.Option(help="levels: sessions started together, comma-separated")] = "1,2,4,8",
    json_out: Annotated[Path | None, typer.Option("--json", help="write the results here")] = None,
    plot: Annotated[Path | None, typer.Option(help="draw e2e p50/p95 and the lag against sessions (SVG)")] = None,
    setting: Annotated[
        list[str] | None, typer.Option(help="a server setting for every level, section.field=value (repeat)")
    ] = None,
    no_lag: Annotated[bool, typer.Option(help="skip the committed-text lag (and its offline pass)")] = False,
    per_session: Annotated[int, typer.Option(help="recordings each session plays, one after another", min=1)] = 3,
    max_recording_s: Annotated[float, typer.Option(help="leave out recordings longer than this (readings)")] = 60.0,
    compare: Annotated[Path | None, typer.Option(help="another run's --json, drawn in grey on the plot")] = None,
) -> None:
    """Sessions at once on one server, each playing a recording in real time: admitted, refused,
    answered, e2e first word, committed-text lag and CPU per level."""
    from firstword.bench.capacity import run
    from firstword.bench.latency import parse_variant

    try:
        levels = [int(x) for x in sessions.split(",") if x.strip()]
        if not levels or min(levels) < 1:
            raise ValueError
    except ValueError:
        console.print(f"[red]--sessions must be positive integers, comma-separated (got {sessions!r})[/]")
        raise typer.Exit(2) from None
    try:
        env = parse_variant("settings:" + ",".join(setting or [])).env
    except ValueError as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(2) from None
    run(_corpus_option(corpus), levels, json_out, env=env, plot=plot, with_lag=not no_lag, console=console,
        per_session=per_session, max_recording_s=max_recording_s, compare=compare)


@bench_app.command("stt-batch")
def bench_stt_batch(
    corpus: Annotated[Path | None, typer.Option(help="directory with manifest.jsonl and recordings")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the results here")] = None,
    repeats: Annotated[int, typer.Option(help="runs of each variant (medians)", min=1)] = 5,
) -> None:
    """Several pieces in one batched Whisper call against one after another (the shared decoder
    batches waiting interims)."""
    from firstword.bench.stt_batch import run

    run(_corpus_option(corpus), json_out, repeats=repeats, console=console)


@bench_app.command("synth-corpus")
def bench_synth_corpus(
    out: Annotated[Path, typer.Option(help="directory to write the recordings and manifest.jsonl into")],
    kind: Annotated[str, typer.Option(help="questions (3-4 per file, 2.5 s apart) or readings (a pause at every comma)")],
    voices: Annotated[int | None, typer.Option(help="use only N voices (Piper and espeak-ng in turn); default all installed", min=1)] = None,
    seed: Annotated[int, typer.Option(help="picks texts, voices and silences")] = 0,
    files: Annotated[int | None, typer.Option(help="files to write (default: questions 16, readings 12)", min=1)] = None,
) -> None:
    """A synthesized spoken corpus for turn-taking work, with every inserted pause labelled end or mid."""
    from firstword.bench.synth_corpus import KINDS, available_voices, generate

    if kind not in KINDS:
        console.print(f"[red]--kind must be one of {', '.join(KINDS)}[/]")
        raise typer.Exit(2)
    if not available_voices():
        console.print("[red]no voice installed: the 'voice' extra (Piper) or espeak-ng is needed[/]")
        raise typer.Exit(2)
    generate(out, kind, voices=voices, seed=seed, files=files, console=console)


@bench_app.command("turn-end")
def bench_turn_end(
    corpus: Annotated[
        list[Path] | None,
        typer.Option(help="corpus directories (manifest.jsonl; repeat); default: the shared speech corpus"),
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the report here")] = None,
    pauses: Annotated[
        Path | None, typer.Option(help="cache of the labelled pauses: read if it exists, else written")
    ] = None,
    write_model: Annotated[bool, typer.Option(help="refit the end-of-turn model on all pauses and ship it")] = False,
    plot: Annotated[Path | None, typer.Option(help="draw speed against take-backs per policy (SVG)")] = None,
) -> None:
    """Labelled pauses: precision/recall of "end of turn" at 100-300 ms, today's policy vs the model."""
    from firstword.bench.turn_end import run

    dirs = list(corpus) if corpus else [_corpus_option(None)]
    run(dirs, json_out, pauses_json=pauses, write_model=write_model, plot=plot, console=console)


@bench_app.command("practice")
def bench_practice(
    corpus: Annotated[Path | None, typer.Option(help="directory with manifest.jsonl and recordings")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the full results here")] = None,
    url: Annotated[str | None, typer.Option(help="benchmark a running server instead of starting one")] = None,
    limit: Annotated[int | None, typer.Option(help="only the first N recordings")] = None,
    per_session: Annotated[int, typer.Option(help="recordings per practice interview (1-3)", min=1, max=3)] = 1,
) -> None:
    """Nova by voice: end of an answer → her reply's first audio, and barge-in → her stop, in real time."""
    from firstword.bench.practice import run

    run(_corpus_option(corpus), json_out, url=url, limit=limit, per_session=per_session, console=console)


def _write_json(result: dict[str, Any], json_out: Path | None) -> None:
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2))
        console.print(f"wrote {json_out}")


@bench_app.command("barge-in")
def bench_barge_in(
    corpus: Annotated[Path | None, typer.Option(help="directory with manifest.jsonl and recordings")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the full results here")] = None,
    variant: Annotated[
        list[str] | None,
        typer.Option(help="detector settings to compare, name=value,... (repeat); default: the defaults and hold_ms=300"),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="only the first N voices as Nova")] = None,
) -> None:
    """The barge-in detector in simulated rooms: her echo, speech over her, "mm-hm", coughs."""
    from firstword.bench.barge_in import parse_variant, run

    variants = variant or ["", "hold_ms=300"]
    try:
        for v in variants:
            parse_variant(v)
    except ValueError as exc:
        console.print(f"[red]--variant: {exc}[/]")
        raise typer.Exit(2) from None
    run(_corpus_option(corpus), json_out, variants=variants, limit=limit, console=console)


@bench_app.command("prefetch")
def bench_prefetch(
    scripts: Annotated[Path, typer.Option(help="a folder of interview and advice scripts (*.json)")] = Path("bench/prefetch"),
    json_out: Annotated[Path | None, typer.Option("--json", help="write the full results here")] = None,
    url: Annotated[str | None, typer.Option(help="benchmark a running server instead of starting one")] = None,
    pause_s: Annotated[float, typer.Option(help="idle seconds before each question, after the previous answer ends", min=0.0)] = 4.0,
    limit: Annotated[int | None, typer.Option(help="only the first N scripts, in file-name order", min=1)] = None,
    offline: Annotated[bool, typer.Option(help="replay the scripts through the rules alone, no server: "
                                                "how many questions a prediction answers, each hit listed")] = False,
) -> None:
    """Answers before the question: hit rate, false hits, first word on a hit, what it costs live answers."""
    from firstword.bench.prefetch import ScriptError, run, run_offline

    try:
        if offline:
            run_offline(scripts, json_out, limit=limit, console=console)
            return
        run(scripts, json_out, url=url, pause_s=pause_s, limit=limit, console=console)
    except ScriptError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None


@bench_app.command("prefetch-match")
def bench_prefetch_match(
    json_out: Annotated[Path | None, typer.Option("--json", help="write the full results here")] = None,
    no_minilm: Annotated[bool, typer.Option(help="skip the MiniLM rival (needs the embeddings extra)")] = False,
) -> None:
    """The prefetch matcher and its rivals on the labelled paraphrases and near misses."""
    from firstword.prefetch.evaluate import main

    args = (["--json", str(json_out)] if json_out is not None else []) + (["--no-minilm"] if no_minilm else [])
    raise typer.Exit(main(args))


@bench_app.command("prefetch-intents")
def bench_prefetch_intents(
    data: Annotated[Path, typer.Option(help="labelled interviewer turns: train/*.jsonl and check/*.jsonl")] = Path(
        "bench/prefetch-intents"),
    train: Annotated[bool, typer.Option(help="fit the classifier on train/ first and write it to --model "
                                             "(needs the train extra: scikit-learn)")] = False,
    model_file: Annotated[Path | None, typer.Option("--model", help="the weights to read or write "
                                                                    "(default: the shipped ones)")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the full results here")] = None,
) -> None:
    """The prefetch intent classifier on the blind check split: precision, recall, false hits."""
    from firstword.bench.prefetch_intents import run
    from firstword.prefetch.intents_train import DataError

    try:
        run(data, json_out, train=train, model_file=model_file, console=console)
    except (DataError, FileNotFoundError) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None


@bench_app.command("answers")
def bench_answers(
    profiles: Annotated[Path, typer.Option(help="one folder per profile, each with a questions.jsonl")],
    json_out: Annotated[Path | None, typer.Option("--json", help="write the full results here")] = None,
    url: Annotated[str | None, typer.Option(help="benchmark a running server instead of starting one")] = None,
) -> None:
    """Typed questions over several profiles: grounded, invented numbers, echo, first word, critic."""
    from firstword.bench.answers import run

    if not profiles.is_dir():
        console.print(f"[red]{profiles} is not a directory[/]")
        raise typer.Exit(2)
    run(profiles, json_out, url=url, console=console)


@bench_app.command("critic")
def bench_critic(
    profiles: Annotated[Path, typer.Option(help="one folder per profile, each with a questions.jsonl")],
    json_out: Annotated[Path | None, typer.Option("--json", help="write the results here")] = None,
    limit: Annotated[int, typer.Option(help="questions asked (of each server)")] = 40,
) -> None:
    """The critic's cost to the model's first token (on vs off, alternating) and its retraction delay."""
    from firstword.bench.critic_cost import run

    run(profiles, json_out, limit=limit, console=console)


@bench_app.command("retrieval")
def bench_retrieval(
    profiles: Annotated[Path, typer.Option(help="one folder per profile, each with a questions.jsonl")],
    json_out: Annotated[Path | None, typer.Option("--json", help="write the results here")] = None,
) -> None:
    """Top-fact accuracy of lexical retrieval, and of MiniLM embeddings where installed."""
    from firstword.bench.retrieval import run

    run(profiles, json_out, console)


@bench_app.command("endpointing")
def bench_endpointing(
    corpus: Annotated[Path | None, typer.Option(help="directory with manifest.jsonl and recordings")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the full results here")] = None,
) -> None:
    """Sweep the turn policy (thresholds, minimum speech, end silence) over the corpus."""
    from firstword.bench.endpointing import main

    main(_corpus_option(corpus), json_out)


@bench_app.command("stt")
def bench_stt(
    corpus: Annotated[Path | None, typer.Option(help="directory with manifest.jsonl and recordings")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the full results here")] = None,
    sweep: Annotated[bool, typer.Option(help="also score the short-path settings grid")] = False,
) -> None:
    """Word error rate of the streaming (short-window) decode against Whisper's 30-s path."""
    from firstword.bench.stt_wer import main

    main(_corpus_option(corpus), json_out, with_sweep=sweep)


@bench_app.command("llm")
def bench_llm(
    json_out: Annotated[Path | None, typer.Option("--json", help="write the full results here")] = None,
    sweep: Annotated[bool, typer.Option(help="also sweep threads and batch sizes")] = False,
) -> None:
    """Time to first token of the local LLM: cold prompt vs warm persona + profile prefix."""
    from firstword.bench.llm_ttft import main

    main(json_out, with_sweep=sweep)


@bench_app.command("board")
def bench_board(
    questions: Annotated[int, typer.Option(help="questions, to Atlas, Cipher and Nova in rotation")] = 12,
    progress: Annotated[bool, typer.Option(help="time tool progress from an MCP server to an SSE reader")] = True,
    switching: Annotated[bool, typer.Option(help="time switching personas on the local model")] = True,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the full results here")] = None,
) -> None:
    """Switching advisors on the local model (llm_ttft_ms per persona, per prompt layout) and tool progress latency."""
    from firstword.bench.board import main

    main(questions, json_out, progress, switching)


@bench_app.command("priority")
def bench_priority(
    rounds: Annotated[int, typer.Option(help="rounds of each variant, interleaved")] = 20,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the full results here")] = None,
) -> None:
    """A live answer's time to first token alone, beside background work, and beside unscheduled work."""
    from firstword.bench.priority import main

    main(json_out, rounds=rounds, console=console)


@bench_app.command("fanout")
def bench_fanout(
    observers: Annotated[int, typer.Option(help="SSE readers following the one generation")] = 1000,
    nodes: Annotated[int, typer.Option(help="server processes; more than one share Redis")] = 1,
    redis: Annotated[str | None, typer.Option(help="Redis URL the nodes share (needed with --nodes > 1)")] = None,
    rate: Annotated[float, typer.Option(help="tokens per second of the generation")] = 40.0,
    sweep: Annotated[bool, typer.Option(help="double N until p99 lag passes 100 ms")] = False,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the results here")] = None,
) -> None:
    """One generation streamed to N SSE readers: publish → receipt lag, and exact reassembly."""
    from firstword.bench.fanout import main

    main(observers, nodes, redis, json_out, rate=rate, sweep=sweep)


@bench_app.command("persist")
def bench_persist(
    json_out: Annotated[Path | None, typer.Option("--json", help="write the results here")] = None,
    url: Annotated[str | None, typer.Option(help="database URL (default: a SQLite file in a temp folder)")] = None,
    rounds: Annotated[int, typer.Option(help="rounds of each variant, interleaved")] = 6,
) -> None:
    """The token path's inter-token time with no store, per-token writes and the batched writer."""
    from firstword.bench.persist import main

    main(json_out, url=url, rounds=rounds)


@app.command("mcp")
def mcp_command(
    profile_dir: Annotated[Path | None, typer.Option(help="profile for profile_facts (default: config's profile_dir, else the sample)")] = None,
    root: Annotated[list[str] | None, typer.Option(help="a folder analyze_repository may read (repeatable; default: tools.roots, else the current directory)")] = None,
) -> None:
    """Serve firstword's tools over MCP on stdin/stdout (analyze_repository, search_sessions,
    action_items, profile_facts), for any MCP client."""
    import sys

    import anyio

    from firstword.tools.server import build_mcp_server
    from firstword.tools.stdio import serve_stdio

    # Standard output carries JSON-RPC only: logs go to standard error.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    if profile_dir is not None:
        settings.profile_dir = str(profile_dir)
    if root:
        settings.tools.roots = list(root)
    anyio.run(serve_stdio, build_mcp_server(settings))
