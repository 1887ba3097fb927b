"""kernel_check.py — the kungfu Jupyter kernel checked by Jupyter's own
client libraries (the oracle: jupyter_client, nbclient, nbformat from pip).

    python3 kernel_check.py KUNGFU_BINARY REPOSITORY_ROOT WORK_FOLDER TUTORIAL...

Installs the kernelspec into WORK_FOLDER/prefix (found through JUPYTER_PATH),
then:
  - each TUTORIAL (Tutorials/NN-*.kf) is recorded with `kungfu run --notebook`
    and that notebook is executed again through the kernel by nbclient: the
    same text outputs (timings masked), the same number of pictures, and the
    executed notebook validates with nbformat;
  - a bad command gives an error output naming its location (In[n]:line:col);
  - complete, inspect, is_complete, history replies;
  - an interrupt of a long cell, then a working cell; SIGINT during predict;
  - a long predict shows one progress display, then updates of it;
  - a wrongly signed message is ignored (no reply) while correctly signed
    ones are answered; the heartbeat echoes;
  - restart gives a fresh session.
Prints one `ok …` line per check; exits 1 at the first failure with what differed.
"""
import os
import re
import signal
import subprocess
import sys
import time

try:
    import jupyter_client
    import nbclient
    import nbformat
except ImportError as error:
    sys.exit(f"kernel_check needs jupyter_client, nbclient and nbformat: pip install jupyter_client nbclient nbformat ({error})")

KUNGFU, ROOT, WORK = (os.path.abspath(a) for a in sys.argv[1:4])
TUTORIALS = [os.path.abspath(a) for a in sys.argv[4:]]
ENV = dict(os.environ, KUNGFU_WEIGHTS="none")
os.environ["KUNGFU_WEIGHTS"] = "none"


def fail(message):
    print("FAIL " + message, flush=True)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def ok(message):
    print("ok " + message, flush=True)


# Durations and rates change from run to run.
TIMING = re.compile(r"\d+(\.\d+)?\s?(ms|µs|s)(/step|/image)?\b|ETA: \S+")


def texts(notebook):
    """Per code cell: its text outputs (timings masked) and its picture count."""
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        text, pictures, progress = [], 0, 0
        last_stream = None
        for output in cell.outputs:
            kind = output.output_type
            if kind == "stream":
                # Consecutive pieces of one stream are one text, as front ends show them.
                if text and text[-1].startswith(output.name + ": ") and last_stream == output.name:
                    text[-1] += output.text
                else:
                    text.append(f"{output.name}: {output.text}")
            elif kind == "execute_result":
                text.append("result: " + output.data["text/plain"])
            elif kind == "display_data":
                if "image/png" in output.data or "image/jpeg" in output.data:
                    pictures += 1
                else:
                    # A progress display (`kungfu run` draws it on the
                    # terminal only): one per statement, updated in place.
                    progress += 1
                    continue
            elif kind == "error":
                text.append(f"error: {output.ename}: {output.evalue}")
            last_stream = output.name if kind == "stream" else None
        statements = len([line for line in cell.source.splitlines() if line.strip() and not line.strip().startswith("#")])
        check(progress <= statements,
              f"cell {cell.source!r}: {progress} progress displays (at most one per statement, updated in place)")
        cells.append((cell.source, TIMING.sub("<t>", "\n".join(text)), pictures))
    return cells


def install():
    prefix = os.path.join(WORK, "prefix")
    subprocess.run([KUNGFU, "kernel", "install", "--prefix", prefix], check=True, capture_output=True)
    os.environ["JUPYTER_PATH"] = os.path.join(prefix, "share", "jupyter")
    spec = jupyter_client.kernelspec.KernelSpecManager().get_kernel_spec("kungfu")
    check(spec.argv[0] == os.path.realpath(KUNGFU), f"kernel.json argv[0] {spec.argv[0]} is not {KUNGFU}")
    check(spec.argv[1:] == ["kernel", "-f", "{connection_file}"], f"kernel.json argv {spec.argv}")
    check(spec.language == "kungfu" and spec.display_name == "kungfu", "kernel.json language/display_name")
    check(spec.interrupt_mode == "message", f"interrupt_mode {spec.interrupt_mode}")
    for side in (32, 64):
        with open(os.path.join(spec.resource_dir, f"logo-{side}x{side}.png"), "rb") as logo:
            head = logo.read(24)
        check(head[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(head[16:20], "big") == side, f"logo-{side}x{side}.png")
    ok("kernelspec installed and found by jupyter_client: " + spec.resource_dir)


def tutorial(path):
    name = os.path.basename(path)
    folder = os.path.join(WORK, name[:-3])
    os.makedirs(folder, exist_ok=True)
    link = os.path.join(folder, "examples")
    if not os.path.exists(link):
        os.symlink(os.path.join(ROOT, "examples"), link)
    recorded = os.path.join(folder, "recorded.ipynb")
    subprocess.run([KUNGFU, "run", path, "--notebook", recorded], cwd=folder, env=ENV, capture_output=True)
    reference = nbformat.read(recorded, as_version=4)
    check(reference.metadata.kernelspec.name == "kungfu", f"{name}: notebook kernelspec {reference.metadata.kernelspec}")
    notebook = nbformat.read(recorded, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    started = time.time()
    nbclient.NotebookClient(notebook, kernel_name="kungfu", timeout=600, allow_errors=True,
                            resources={"metadata": {"path": folder}}).execute()
    elapsed = time.time() - started
    nbformat.validate(notebook)
    nbformat.write(notebook, os.path.join(folder, "executed.ipynb"))
    expected, got = texts(reference), texts(notebook)
    check(len(expected) == len(got), f"{name}: {len(got)} code cells, `kungfu run` recorded {len(expected)}")
    for (source, want, want_pictures), (_, have, have_pictures) in zip(expected, got):
        check(want == have, f"{name}: cell {source!r}:\n--- kungfu run\n{want}\n--- kernel\n{have}")
        check(want_pictures == have_pictures, f"{name}: cell {source!r}: {have_pictures} pictures, `kungfu run` showed {want_pictures}")
    pictures = sum(p for _, _, p in got)
    ok(f"{name}: {len(got)} cells through nbclient match `kungfu run` ({pictures} pictures), notebook valid, {elapsed:.1f}s")


def reply(client, msg_id, timeout=30):
    while True:
        message = client.get_shell_msg(timeout=timeout)
        if message["parent_header"].get("msg_id") == msg_id:
            return message["content"]


def execute(client, code, timeout=60):
    """Runs code; returns (reply content, iopub messages of it)."""
    msg_id = client.execute(code)
    outputs = []
    while True:
        message = client.get_iopub_msg(timeout=timeout)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            break
        outputs.append((message["msg_type"], message["content"]))
    return reply(client, msg_id), outputs


def protocol():
    manager, client = jupyter_client.manager.start_new_kernel(kernel_name="kungfu")
    try:
        info = reply(client, client.kernel_info())
        language = info["language_info"]
        check(language["name"] == "kungfu" and language["file_extension"] == ".kf"
              and language["mimetype"] == "text/x-kungfu", f"language_info {language}")
        check(info["protocol_version"].startswith("5."), f"protocol_version {info['protocol_version']}")
        ok("kernel_info: " + str(language))

        content, outputs = execute(client, 'print("hi")\nlet xs = [1, 2]\nxs')
        kinds = [kind for kind, _ in outputs]
        check(kinds[:2] == ["status", "execute_input"], f"busy, execute_input first: {kinds}")
        check(("stream", {"name": "stdout", "text": "hi\n"}) in outputs, f"stream output: {outputs}")
        results = [c for k, c in outputs if k == "execute_result"]
        check(len(results) == 1 and results[0]["data"]["text/plain"] == "[1, 2]"
              and results[0]["data"]["application/json"] == [1, 2], f"execute_result: {results}")
        check(content["status"] == "ok" and content["execution_count"] == results[0]["execution_count"], f"reply {content}")
        ok("execute: status busy/idle, execute_input, stream, execute_result with application/json")

        content, outputs = execute(client, "print(1)\nload modle inception_v3")
        errors = [c for k, c in outputs if k == "error"]
        check(content["status"] == "error" and len(errors) == 1, f"a bad command gives one error: {content} {outputs}")
        traceback = "\n".join(errors[0]["traceback"])
        count = content["execution_count"]
        check(f"In[{count}]:2:1" in traceback and "^" in traceback and "load model" in errors[0]["evalue"],
              f"error located with carets: {errors[0]}")
        ok(f"a bad command: error output {errors[0]['ename']} at In[{count}]:2:1 with carets")

        matches = reply(client, client.complete("load mo", 7))
        check(matches["matches"] == ["model"] and matches["cursor_start"] == 5 and matches["cursor_end"] == 7, f"complete {matches}")
        keywords = reply(client, client.complete("load model inception_v3 pooling ", 32))
        check(keywords["matches"] == ["avg", "max", "none"], f"complete choices {keywords}")
        ok("complete_request: command words and choices, with cursor_start")

        help_reply = reply(client, client.inspect('show activations of "a.jpg" at mixed2', 3))
        text = help_reply["data"].get("text/plain", "")
        check(help_reply["found"] and text.startswith("show activations"), f"inspect {help_reply}")
        missing = reply(client, client.inspect("zzz", 1))
        check(not missing["found"], f"inspect of nothing {missing}")
        ok("inspect_request: help COMMAND")

        for code, status in [("for i in 1...3 {", "incomplete"), ("print(1)", "complete"), ("let = )", "invalid")]:
            answer = reply(client, client.is_complete(code))
            check(answer["status"] == status, f"is_complete {code!r}: {answer}")
        ok("is_complete_request: incomplete, complete, invalid")

        history = reply(client, client.history(hist_access_type="tail", n=2))["history"]
        check([entry[2] for entry in history] == ['print("hi")\nlet xs = [1, 2]\nxs', "print(1)\nload modle inception_v3"],
              f"history {history}")
        ok("history_request: this session's cells")

        msg_id = client.execute("for i in 1...1000000000 { let x = i }")
        time.sleep(1.0)
        manager.interrupt_kernel()
        content = reply(client, msg_id, timeout=30)
        check(content["status"] == "error" and content["ename"] == "Interrupted", f"interrupted cell {content}")
        content, outputs = execute(client, "print(len(xs) + 1)")
        check(content["status"] == "ok" and ("stream", {"name": "stdout", "text": "3\n"}) in outputs,
              f"the cell after an interrupt {content} {outputs}")
        ok("interrupt_request on control stops a long cell; the next cell runs")

        # stop_on_error (the default): the cells queued behind a failed one
        # are aborted, as ipykernel does in a Run All; with it off they run.
        slow_failure = "let ys = [1]\nfor i in 1...300000 { let x = i }\nys[4]"
        first, second = client.execute(slow_failure), client.execute("print(42)")
        check(reply(client, first)["status"] == "error", "the slow failing cell fails")
        aborted = reply(client, second)
        check(aborted["status"] == "aborted", f"the queued cell after an error is aborted: {aborted}")
        first, second = client.execute(slow_failure, stop_on_error=False), client.execute("print(42)")
        check(reply(client, first)["status"] == "error", "the slow failing cell fails again")
        ran = reply(client, second)
        check(ran["status"] == "ok", f"with stop_on_error=False the queued cell runs: {ran}")
        content, outputs = execute(client, "print(7)")
        check(content["status"] == "ok" and ("stream", {"name": "stdout", "text": "7\n"}) in outputs,
              f"a cell sent after the abort runs {content} {outputs}")
        ok("stop_on_error: queued cells after a failed one are aborted; stop_on_error=False runs them")

        # SIGINT (what a kernelspec with interrupt_mode "signal" would send)
        # stops a long predict the way Ctrl-C does in the REPL.
        folder = os.path.join(WORK, "interrupt")
        os.makedirs(folder, exist_ok=True)
        content, _ = execute(client, f'load model inception_v3\nlet folder = "{ROOT}/examples/testset"', timeout=120)
        check(content["status"] == "ok", f"load model {content}")
        msg_id = client.execute("for i in 1...1000 { predict folder top 1 }")
        time.sleep(3.0)
        os.kill(manager.provisioner.process.pid, signal.SIGINT)
        content = reply(client, msg_id, timeout=120)
        check(content["status"] == "error" and content["ename"] == "Interrupted", f"SIGINT during predict {content}")
        content, outputs = execute(client, "print(len(xs))")
        check(content["status"] == "ok" and ("stream", {"name": "stdout", "text": "2\n"}) in outputs,
              f"the cell after SIGINT {content} {outputs}")
        ok("SIGINT stops a long predict; the kernel lives on and the next cell runs")

        content, outputs = execute(client, "predict folder top 1", timeout=120)
        check(content["status"] == "ok", f"predict folder {content}")
        progress = [(k, c) for k, c in outputs if k in ("display_data", "update_display_data")
                    and "display_id" in c.get("transient", {})]
        check(progress and progress[0][0] == "display_data"
              and all(k == "update_display_data" for k, _ in progress[1:]) and len(progress) >= 2
              and len({c["transient"]["display_id"] for _, c in progress}) == 1
              and progress[-1][1]["data"]["text/plain"].startswith("16/16 "), f"progress display: {progress}")
        ok(f"progress: one display_data with a display_id, then {len(progress) - 1} update_display_data")

        content, outputs = execute(client, "predict folder top 1\npredict folder top 1", timeout=120)
        check(content["status"] == "ok", f"two predicts {content}")
        displays = [c["transient"]["display_id"] for k, c in outputs
                    if k == "display_data" and "display_id" in c.get("transient", {})]
        updated = {c["transient"]["display_id"] for k, c in outputs if k == "update_display_data"}
        check(len(displays) == 2 and len(set(displays)) == 2 and updated <= set(displays),
              f"two statements with progress: two displays {displays}, updates of them only {updated}")
        ok("progress: each statement of a cell gets its own display")

        # A message signed with another key: no reply; a good one after it is answered.
        good_session = client.session
        bad = jupyter_client.session.Session(key=b"not-the-key", session=good_session.session)
        bad_message = bad.msg("kernel_info_request")
        bad.send(client.shell_channel.socket, bad_message)
        answer_id = client.kernel_info()
        first = client.get_shell_msg(timeout=30)
        check(first["parent_header"]["msg_id"] == answer_id, f"the badly signed message was answered: {first['parent_header']}")
        ok("a wrongly signed message is ignored; a correctly signed one is answered")

        check(client.hb_channel.is_beating(), "heartbeat")
        import zmq
        socket = zmq.Context.instance().socket(zmq.REQ)
        socket.connect(f"{manager.transport}://{manager.ip}:{manager.hb_port}")
        socket.send(b"ping-123")
        check(socket.poll(5000) and socket.recv() == b"ping-123", "heartbeat echo")
        socket.close(0)
        ok("heartbeat echoes")

        manager.restart_kernel(now=False)
        client.wait_for_ready(timeout=60)
        content, outputs = execute(client, "print(xs)")
        check(content["status"] == "error" and content["execution_count"] == 1, f"after restart xs is gone: {content}")
        ok("restart: a fresh session (execution count 1, variables gone)")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=False)
    check(not manager.is_alive(), "kernel still alive after shutdown_request")
    ok("shutdown_request ends the kernel")


install()
protocol()
for tutorial_path in TUTORIALS:
    tutorial(tutorial_path)
print("all kernel checks passed", flush=True)
