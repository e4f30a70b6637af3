#!/usr/bin/env python3
# Balie beside a Chromium kiosk (issue 19): both under one Xvfb at 1920x1080, alternating for N rounds,
# measured the same way -- exec to the first frame of the welcome screen (a pixel polled on the X
# display), PSS summed over each one's processes, CPU while idle -- plus Balie's own frame times
# (signature pad, drag-scrolling the Arabic dossier), confirm-to-saved and the first-ever start.
# Not part of the test command. Usage: bench/kiosk/side_by_side.py --help (bench/README.md).
import argparse
import ctypes
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))
W, H = 1920, 1080
WELCOME_BG = (18, 59, 92)      # Balie's welcome background (theme), and the page's #123b5c
MARKER = (8, 8)                # the pixel both are polled at (a corner of the welcome background)
ROWS = [int(H * k / 10) for k in range(1, 10)]  # rows compared with the settled screen


class XScreen:
    """The root window of an X display, read with libX11 (XGetImage) through ctypes."""

    def __init__(self, display):
        x = ctypes.CDLL("libX11.so.6")
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x.XDefaultRootWindow.restype = ctypes.c_ulong
        x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x.XGetImage.restype = ctypes.c_void_p
        x.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int, ctypes.c_uint,
                                ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
        x.XGetPixel.restype = ctypes.c_ulong
        x.XGetPixel.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        x.XDestroyImage.argtypes = [ctypes.c_void_p]
        self.x = x
        self.dpy = x.XOpenDisplay(display.encode())
        if not self.dpy:
            raise RuntimeError("cannot open X display " + display)
        self.root = x.XDefaultRootWindow(self.dpy)

    def pixel(self, px, py):
        img = self.x.XGetImage(self.dpy, self.root, px, py, 1, 1, 0xFFFFFFFF, 2)  # ZPixmap
        v = self.x.XGetPixel(img, 0, 0)
        self.x.XDestroyImage(img)
        return ((v >> 16) & 255, (v >> 8) & 255, v & 255)

    def rows(self):
        """A cheap fingerprint of the whole screen: nine full-width rows."""
        out = []
        for y in ROWS:
            img = self.x.XGetImage(self.dpy, self.root, 0, y, W, 1, 0xFFFFFFFF, 2)
            # XImage: int width, height, xoffset, format; char* data (offset 16)
            data = ctypes.cast(img + 16, ctypes.POINTER(ctypes.c_void_p))[0]
            out.append(ctypes.string_at(data, W * 4))
            self.x.XDestroyImage(img)
        return hash(tuple(out))


def close(a, b, tol=6):
    return all(abs(p - q) <= tol for p, q in zip(a, b))


def tree(leader):
    """Pids of the process tree started as session `leader` (same session, or descendants)."""
    parent, sid = {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                s = f.read()
        except OSError:
            continue
        rest = s[s.rfind(")") + 2:].split()
        parent[int(d)], sid[int(d)] = int(rest[1]), int(rest[3])
    out = {p for p, s in sid.items() if s == leader}
    out.add(leader)
    grew = True
    while grew:
        grew = False
        for p, pp in parent.items():
            if pp in out and p not in out:
                out.add(p)
                grew = True
    return sorted(p for p in out if p in parent)


def pss_mb(pids):
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024.0


def cpu_ticks(pids):
    out = {}
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                s = f.read()
            rest = s[s.rfind(")") + 2:].split()
            out[p] = int(rest[11]) + int(rest[12])
        except OSError:
            pass
    return out


class Launch:
    """One program started in its own session, measured on the shared X display."""

    def __init__(self, screen, argv, env, log):
        self.screen = screen
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def first_frame(self, timeout=60.0):
        """ms from exec to the marker pixel showing the welcome background; then ms to the settled screen."""
        first = None
        samples = []
        deadline = self.t0 + timeout
        while time.monotonic() < deadline:
            now = time.monotonic()
            if self.proc.poll() is not None:
                raise RuntimeError(f"exited with {self.proc.returncode} before its first frame")
            if first is None:
                if close(self.screen.pixel(*MARKER), WELCOME_BG):
                    first = (now - self.t0) * 1000
                    samples.append((now, self.screen.rows()))
                time.sleep(0.002)
            else:
                samples.append((now, self.screen.rows()))
                if now - self.t0 > first / 1000 + 3.0:  # 3 s after the first frame: settled
                    break
                time.sleep(0.01)
        if first is None:
            raise RuntimeError("no first frame within %.0f s" % timeout)
        final = samples[-1][1]
        settled = next(t for t, h in samples if h == final)
        return first, (settled - self.t0) * 1000

    def wait_until(self, seconds_after_start):
        d = self.t0 + seconds_after_start - time.monotonic()
        if d > 0:
            time.sleep(d)

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        time.sleep(0.5)  # let the X server drop the window before the next start


def measure_idle(launch, pss_at, idle_from, idle_secs):
    launch.wait_until(pss_at)
    pids = tree(launch.proc.pid)
    pss = pss_mb(pids)
    launch.wait_until(idle_from)
    hz = os.sysconf("SC_CLK_TCK")
    a = cpu_ticks(tree(launch.proc.pid))
    time.sleep(idle_secs)
    b = cpu_ticks(tree(launch.proc.pid))
    ticks = sum(b[p] - a.get(p, 0) for p in b)
    return pss, len(pids), 100.0 * ticks / hz / idle_secs


def start_xvfb():
    """An Xvfb on a free display. -displayfd can race with another Xvfb starting at the same moment
    (both pick the same number, one exits): retried until the server stays up and answers."""
    for _ in range(10):
        r, w = os.pipe()
        x = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", f"{W}x{H}x24", "-nolisten", "tcp"],
                             pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(w)
        num = b""
        while not num.endswith(b"\n"):  # read up to the newline: Xvfb fails if the pipe closes first
            chunk = os.read(r, 16)
            if not chunk:
                break
            num += chunk
        num = num.decode().strip()
        os.close(r)
        time.sleep(0.5)
        if num and x.poll() is None:
            try:
                return x, ":" + num, XScreen(":" + num)
            except RuntimeError:
                pass
        x.kill()
        x.wait()
    raise RuntimeError("Xvfb did not start")


def balie_env(display, state, variant_env, extra=None):
    env = dict(os.environ)
    env.pop("BALIE_MODE", None)
    env.update({"DISPLAY": display, "SDL_AUDIODRIVER": "dummy", "BALIE_STATE_DIR": state,
                "BALIE_CONFIG_DIR": state + "-config"})
    env.update(variant_env)
    env.update(extra or {})
    return env


def chromium_argv(chromium, profile, page):
    argv = [chromium, "--kiosk", "--no-first-run", "--noerrdialogs", "--disable-infobars",
            "--disable-session-crashed-bubble", "--password-store=basic", "--disable-features=Translate",
            f"--user-data-dir={profile}", "--window-position=0,0", f"--window-size={W},{H}"]
    if os.geteuid() == 0:
        argv.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    return argv + ["file://" + page]


def spread(vals, fmt="%.0f"):
    if not vals:
        return "-"
    med = statistics.median(vals)
    return f"{fmt % med} ({fmt % min(vals)}-{fmt % max(vals)})"


def frame_stats(path, scene, skip=0, whole=False):
    """p50/p99 of the render time of the frames on `scene` that drew something (column 6; a frame
    that changed nothing draws nothing), after its first `skip` frames (entering the scene);
    whole=True: only frames redrawn whole (column 7 = 1), on any scene."""
    v = []
    renderer = "?"
    seen = 0
    with open(path) as f:
        for line in f:
            if line.startswith("# renderer"):
                renderer = line.split()[-1]
                continue
            parts = line.split()
            if len(parts) < 4:
                continue
            drawn = len(parts) < 6 or parts[5] == "1"
            if whole:
                if len(parts) >= 7 and drawn and float(parts[6]) >= 0.999:
                    v.append(float(parts[3]))
                continue
            if parts[1] != scene:
                continue
            seen += 1
            if drawn and seen > skip:
                v.append(float(parts[3]))
    v.sort()
    if not v:
        return None, renderer
    pick = lambda q: v[min(len(v) - 1, max(0, int(q * len(v) + 0.5) - 1))]
    return (pick(0.5), pick(0.99), len(v)), renderer


def script_upto(path, scene):
    out = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or line.startswith("screenshot"):
                continue
            out.append(line)
            if line.strip() == "wait-scene " + scene:
                break
    return out


def run_scripted(kiosk, display, tmp, name, lines, variant_env):
    state = os.path.join(tmp, "scripted-" + name)
    shutil.rmtree(state, ignore_errors=True)
    shutil.rmtree(state + "-config", ignore_errors=True)
    script = os.path.join(tmp, name + ".balie")
    with open(script, "w") as f:
        f.writelines(lines)
    flog = os.path.join(tmp, name + ".frames")
    if os.path.exists(flog):
        os.remove(flog)
    env = balie_env(display, state, variant_env, {"BALIE_FRAME_LOG": flog})
    out = subprocess.run([kiosk, "--windowed", f"{W}x{H}", "--clock-start", "2026-03-02T09:30:00Z", "--script", script],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"scripted run {name} failed ({out.returncode}):\n{out.stdout[-2000:]}")
    saved = [float(x.split("confirm to saved ")[1].split(" ms")[0]) for x in out.stdout.splitlines() if "confirm to saved" in x]
    return flog, saved


def parse_variants(specs, default_kiosk):
    """NAME:ENV=V,ENV=V -> (name, env, kiosk binary); KIOSK=PATH names another build's balie-kiosk
    (e.g. the tree before a change), so one run compares them under the same load."""
    out = []
    for s in specs:
        name, _, rest = s.partition(":")
        env = {}
        for kv in filter(None, rest.split(",")):
            k, _, v = kv.partition("=")
            env[k] = v
        kiosk = env.pop("KIOSK", default_kiosk)
        if not os.access(kiosk, os.X_OK):
            sys.exit(f"side_by_side: variant {name}: {kiosk} is not an executable")
        out.append((name, env, kiosk))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__ or "Balie beside a Chromium kiosk")
    ap.add_argument("--build", default=os.path.join(SRC, "build", "default"), help="build dir (balie-kiosk)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    ap.add_argument("--setup", action="store_true", help="install missing packages (chromium) with scripts/setup.sh first")
    ap.add_argument("--variant", action="append", default=[],
                    help="a Balie configuration NAME:ENV=V,ENV=V (repeatable); default: the kiosk's default "
                         "renderer forced both ways: software:BALIE_RENDERER=software and gpu:BALIE_RENDERER=gpu")
    ap.add_argument("--no-chromium", action="store_true", help="Balie only (no ratio)")
    ap.add_argument("--no-frames", action="store_true", help="skip the scripted frame-time runs")
    ap.add_argument("--pss-at", type=float, default=8.0, help="seconds after start at which PSS is read")
    ap.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU, starting at --pss-at")
    args = ap.parse_args()
    if args.setup:
        subprocess.run(["bash", os.path.join(SRC, "scripts", "setup.sh")], check=True)
    kiosk = os.path.join(args.build, "kiosk", "balie-kiosk")
    if not os.access(kiosk, os.X_OK):
        sys.exit(f"side_by_side: {kiosk} not built (cmake --build --preset default --target balie-kiosk)")
    if not shutil.which("Xvfb"):
        sys.exit("side_by_side: Xvfb missing (scripts/setup.sh)")
    use_chromium = not args.no_chromium
    if use_chromium and not shutil.which(args.chromium):
        sys.exit("side_by_side: chromium missing: run with --setup (or --no-chromium)")
    variants = parse_variants(args.variant or ["software:BALIE_RENDERER=software", "gpu:BALIE_RENDERER=gpu"], kiosk)
    tmp = tempfile.mkdtemp(prefix="balie-side-")
    xvfb, display, screen = start_xvfb()
    log = open(os.path.join(tmp, "programs.log"), "w")
    results = {}   # who -> metric -> [values]
    try:
        page = os.path.join(HERE, "chromium", "welcome.html")
        profile = os.path.join(tmp, "chromium-profile")
        contestants = [("balie-" + n, (e, k)) for n, e, k in variants] + ([("chromium", None)] if use_chromium else [])

        def start(who, ek):
            if ek is None:
                return Launch(screen, chromium_argv(args.chromium, profile, page), dict(os.environ, DISPLAY=display), log)
            return Launch(screen, [ek[1]], balie_env(display, os.path.join(tmp, "state-" + who), ek[0]), log)

        # Seed: Balie's store and Chromium's profile exist before the measured starts (a second start).
        for who, env in contestants:
            launch = start(who, env)
            try:
                launch.first_frame()
            finally:
                launch.stop()
        for r in range(args.rounds):
            order = contestants if r % 2 == 0 else list(reversed(contestants))
            for who, env in order:
                launch = start(who, env)
                try:
                    first, settled = launch.first_frame()
                    pss, nproc, cpu = measure_idle(launch, args.pss_at, args.pss_at, args.idle)
                finally:
                    launch.stop()
                m = results.setdefault(who, {})
                for k, v in (("first", first), ("settled", settled), ("pss", pss), ("nproc", nproc), ("cpu", cpu)):
                    m.setdefault(k, []).append(v)
                print(f"round {r + 1} {who}: first frame {first:.0f} ms, settled {settled:.0f} ms, "
                      f"PSS {pss:.1f} MB in {nproc} processes, idle CPU {cpu:.2f}%", flush=True)
        # Balie alone: the first-ever start (creates the store), frame times, confirm-to-saved.
        for n, env, kbin in variants:
            who = "balie-" + n
            m = results[who]
            for r in range(args.rounds):
                state = os.path.join(tmp, f"fresh-{n}-{r}")
                launch = Launch(screen, [kbin], balie_env(display, state, env), log)
                try:
                    m.setdefault("fresh", []).append(launch.first_frame()[0])
                finally:
                    launch.stop()
            if args.no_frames:
                continue
            sign = script_upto(os.path.join(SRC, "tests", "kiosk", "scripts", "sign_pvt.balie"), "signing_pad")
            with open(os.path.join(HERE, "signature_frames.balie")) as f:
                sign += [x for x in f if not x.startswith("#")]
            drag = script_upto(os.path.join(SRC, "tests", "kiosk", "scripts", "session_arabic.balie"), "dossier")
            drag += ["wait-frames 5\n"] + ["drag dossier.groups 0.5,0.9 0.5,0.5 0.5,0.1\n",
                                           "drag dossier.groups 0.5,0.1 0.5,0.5 0.5,0.9\n"] * 15
            for r in range(args.rounds):
                flog, saved = run_scripted(kbin, display, tmp, f"sign-{n}", sign, env)
                st, renderer = frame_stats(flog, "signing_pad")
                m.setdefault("renderer", []).append(renderer)
                if st:
                    m.setdefault("pad50", []).append(st[0])
                    m.setdefault("pad99", []).append(st[1])
                m.setdefault("saved", []).extend(saved)
                st, _ = frame_stats(flog, None, whole=True)
                if st:
                    m.setdefault("whole50", []).append(st[0])
                flog, _ = run_scripted(kbin, display, tmp, f"drag-{n}", drag, env)
                st, _ = frame_stats(flog, "dossier", skip=5)  # the first frames enter the scene
                if st:
                    m.setdefault("drag50", []).append(st[0])
                    m.setdefault("drag99", []).append(st[1])
                print(f"frames round {r + 1} {who}: pad p50/p99 {m['pad50'][-1]:.2f}/{m['pad99'][-1]:.2f} ms, "
                      f"dossier drag p50/p99 {m['drag50'][-1]:.2f}/{m['drag99'][-1]:.2f} ms, "
                      f"confirm-to-saved {saved[-1] if saved else float('nan'):.1f} ms", flush=True)
    finally:
        log.close()
        xvfb.terminate()
        xvfb.wait()

    print()
    load = os.getloadavg()
    print(f"## Balie beside a Chromium kiosk: {W}x{H} Xvfb, {args.rounds} rounds alternating, "
          f"load average {load[0]:.1f} at the end, {os.cpu_count()} CPUs")
    print("median (min-max) over the rounds; ratio = Balie median / Chromium median")
    print()
    print("| figure | " + " | ".join(w for w in results) + " |")
    print("|---|" + "---|" * len(results))
    rows = [("exec to first welcome frame, ms", "first", "%.0f"),
            ("exec to settled screen, ms", "settled", "%.0f"),
            (f"PSS of all processes at {args.pss_at:.0f} s, MB", "pss", "%.1f"),
            ("processes", "nproc", "%.0f"),
            (f"CPU over {args.idle:.0f} s idle, % of one core", "cpu", "%.2f"),
            ("first-ever start (creates the store), ms", "fresh", "%.0f"),
            ("signature pad frame p50, ms", "pad50", "%.2f"),
            ("signature pad frame p99, ms", "pad99", "%.2f"),
            ("Arabic dossier drag-scroll frame p50, ms", "drag50", "%.2f"),
            ("Arabic dossier drag-scroll frame p99, ms", "drag99", "%.2f"),
            ("confirm to saved, ms", "saved", "%.1f"),
            ("a frame redrawn whole (signing flow), p50 ms", "whole50", "%.2f")]
    for label, key, fmt in rows:
        print(f"| {label} | " + " | ".join(spread(results[w].get(key, []), fmt) for w in results) + " |")
    if use_chromium and "chromium" in results:
        c = results["chromium"]
        for label, key in (("first frame ratio", "first"), ("settled ratio", "settled"), ("PSS ratio", "pss")):
            cells = []
            for w in results:
                if w == "chromium":
                    cells.append("1")
                else:
                    cells.append("%.3fx" % (statistics.median(results[w][key]) / statistics.median(c[key])))
            print(f"| {label} | " + " | ".join(cells) + " |")
    renderers = {w: sorted(set(results[w].get("renderer", []))) for w in results if w != "chromium"}
    print()
    print("SDL renderers used: " + ", ".join(f"{w}: {'/'.join(r) or '-'}" for w, r in renderers.items()))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
