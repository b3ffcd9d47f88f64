// Per-tick cost of the media clock for N sessions: what one 20 ms tick must finish well within.
// BM_DspPerTick: G.711 encode of the outgoing frame + decode and in-band DTMF detection of the incoming one.
// BM_SessionTick: RtpSession::tick with a real UDP sendto per session (loopback), as the engine runs it.
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cmath>
#include <memory>
#include <numbers>
#include <vector>

#include "media/g711.hpp"
#include "media/inband_dtmf.hpp"
#include "media/prompt.hpp"
#include "media/rtp_session.hpp"
#include "media/udp.hpp"

namespace callbackd::media {
namespace {

std::array<std::int16_t, kSamplesPerFrame> speech_like_frame() {
  std::array<std::int16_t, kSamplesPerFrame> frame{};
  for (std::size_t i = 0; i < frame.size(); ++i) {
    const double t = static_cast<double>(i) / 8000.0;
    frame[i] = static_cast<std::int16_t>(6000 * std::sin(2 * std::numbers::pi * 440 * t) +
                                         3000 * std::sin(2 * std::numbers::pi * 1100 * t));
  }
  return frame;
}

void BM_DspPerTick(benchmark::State& state) {
  const auto sessions = static_cast<std::size_t>(state.range(0));
  std::vector<std::unique_ptr<InbandDtmfDetector>> detectors;
  for (std::size_t i = 0; i < sessions; ++i) detectors.push_back(std::make_unique<InbandDtmfDetector>());
  const auto out_frame = speech_like_frame();
  std::array<std::uint8_t, kSamplesPerFrame> in_payload{};
  g711::encode(Codec::Pcmu, out_frame, in_payload);
  std::array<std::uint8_t, kSamplesPerFrame> encoded{};
  std::array<std::int16_t, kSamplesPerFrame> decoded{};
  for (auto _ : state) {
    for (auto& detector : detectors) {
      g711::encode(Codec::Pcmu, out_frame, encoded);
      g711::decode(Codec::Pcmu, in_payload, decoded);
      benchmark::DoNotOptimize(detector->feed(decoded));
    }
    benchmark::ClobberMemory();
  }
  state.counters["sessions_per_core_at_20ms"] = benchmark::Counter(
      static_cast<double>(sessions) * 0.020, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_DspPerTick)->Arg(1)->Arg(100)->Arg(1000);

void BM_SessionTick(benchmark::State& state) {
  const auto sessions = static_cast<std::size_t>(state.range(0));
  auto sink_addr = make_address("127.0.0.1", 0);
  auto sink = bind_udp(*sink_addr);
  sockaddr_in bound{};
  socklen_t len = sizeof(bound);
  ::getsockname(sink.fd.get(), reinterpret_cast<sockaddr*>(&bound), &len);
  Negotiated remote;
  remote.remote_address = "127.0.0.1";
  remote.remote_port = ntohs(bound.sin_port);

  auto prompt = std::make_shared<Prompt>();
  prompt->samples.assign(8000 * 3600, 1000);  // long enough never to run dry during the run
  std::vector<std::unique_ptr<RtpSession>> all;
  for (std::size_t i = 0; i < sessions; ++i) {
    auto socket = bind_udp(*sink_addr);
    all.push_back(std::make_unique<RtpSession>(i + 1, std::move(socket.fd), StreamStart{}));
    all.back()->start(remote);
    all.back()->play({prompt});
  }
  std::vector<MediaEvent> events;
  for (auto _ : state) {
    for (auto& s : all) benchmark::DoNotOptimize(s->tick(events));
  }
  state.counters["sessions_per_core_at_20ms"] = benchmark::Counter(
      static_cast<double>(sessions) * 0.020, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_SessionTick)->Arg(1)->Arg(100)->Arg(500);

}  // namespace
}  // namespace callbackd::media
