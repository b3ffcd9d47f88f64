"""Remote Call Back Configuration (*6, *5), the caller's side of the dialogue in the Auto Attendant."""

import time

from cases_callback import _tone_wav
from flows import from_uri
from media import RtpPeer, tone_packets
from registry import case
from server import LINE_NUMBER, Server, check
from sipp import Sipp

UNAVAILABLE_HZ = 1000  # the tone uploaded as the "remote-unavailable" prompt, so the case can tell it apart


@case("remote-not-offered-expect-unavailable-prompt")
def remote_not_offered_expect_unavailable_prompt(ctx):
    """A caller with no authorized-phone entry reaches the Auto Attendant and presses *6, later *5: each time it
    hears the "remote-unavailable" prompt (an uploaded tone here) and is back in the main menu, not in a login
    (where *5 would be the start of an extension number and play nothing)."""
    with Server(ctx, answer_delay_s=1) as srv:
        status, reply, _ = srv.request_full("PUT", "/api/v1/prompts/en/remote-unavailable",
                                            raw_body=_tone_wav(hz=UNAVAILABLE_HZ, ms=1000),
                                            content_type="audio/wav")
        check(status == 200 and reply["custom"], f"upload of remote-unavailable -> {status} {reply}")
        silence = [0] * 8000 * 2
        peer = RtpPeer([("mark", "six"), ("dtmf", "*6"), ("audio", silence), ("mark", "five"), ("dtmf", "*5")],
                       lead_ms=500)
        try:
            caller = Sipp(ctx, "caller", "attendant-caller-keys-expect-answer.xml", srv.gateway_port,
                          remote=srv.sip_target, rows=[[from_uri("+12015557001", srv.gateway_port), "X-Test: remote"]],
                          keys={"rtp_port": peer.port}, service=LINE_NUMBER, timeout_s=30)
            caller.run(timeout=40)
            caller.expect_success(allow_server_bye=True)
            time.sleep(0.2)
            heard = peer.snapshot()
        finally:
            peer.close()
        check("six" in peer.marks and "five" in peer.marks, f"the peer never pressed its keys: {peer.marks}")
        six, five = peer.marks["six"], peer.marks["five"]
        before = _longest_tone([p for p in heard if p.wall < six])
        after_six = _longest_tone([p for p in heard if six < p.wall < five])
        after_five = _longest_tone([p for p in heard if p.wall > five])
        ctx.log(f"longest runs of the tone: {before} packets before *6, {after_six} after *6, {after_five} after *5")
        check(before < 10, f"the unavailable tone played before *6: a run of {before} packets")
        check(after_six >= 40, f"*6 from a caller without an entry must play remote-unavailable (1 s of tone): "
                               f"its longest run is {after_six} packets")
        check(after_five >= 40, f"*5 likewise: its longest run is {after_five} packets")


def _longest_tone(packets):
    """The longest run of consecutive packets carrying the uploaded tone: speech has a 1 kHz packet here and
    there, the prompt has a second of them in a row."""
    tone = {p.seq for p in tone_packets(packets, UNAVAILABLE_HZ)}
    longest = run = 0
    for p in sorted(packets, key=lambda p: p.arrival):
        run = run + 1 if p.seq in tone else 0
        longest = max(longest, run)
    return longest
