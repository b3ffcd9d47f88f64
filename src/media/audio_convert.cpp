#include "media/audio_convert.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include "media/prompt.hpp"

namespace callbackd::media {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kSampleRate = 8000;
constexpr rlim_t kChildCpuSeconds = 20;
constexpr rlim_t kChildMemoryBytes = rlim_t{512} * 1024 * 1024;
constexpr rlim_t kChildFileBytes = rlim_t{16} * 1024 * 1024;  // > 121 s of 8 kHz 16-bit output
constexpr std::size_t kMaxStderr = 4096;

bool starts(std::string_view b, std::size_t at, std::string_view tag) {
  return b.size() >= at + tag.size() && b.substr(at, tag.size()) == tag;
}

// A private directory removed with everything in it, whatever happens to the conversion.
class TempDir {
 public:
  explicit TempDir(const std::string& parent) {
    std::string tmpl = parent + "/convert-XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string resolve_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : std::string();
  const char* env = ::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): read only, never set by us
  std::stringstream dirs(env != nullptr ? env : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::string candidate = dir;
    candidate.append("/").append(name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

// Runs in the forked child: only async-signal-safe calls until execve.
[[noreturn]] void exec_child(const std::string& program, std::vector<char*>& argv, int out_fd) {
  const std::array<rlimit, 3> limits{{{kChildCpuSeconds, kChildCpuSeconds},
                                      {kChildMemoryBytes, kChildMemoryBytes},
                                      {kChildFileBytes, kChildFileBytes}}};
  ::setrlimit(RLIMIT_CPU, &limits[0]);
  ::setrlimit(RLIMIT_AS, &limits[1]);
  ::setrlimit(RLIMIT_FSIZE, &limits[2]);
  ::setpgid(0, 0);  // its own group, so that a timeout kills whatever it started too
  // The server blocks SIGTERM for its signalfd and ignores SIGPIPE; both would be inherited through exec.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);  // NOLINT(concurrency-mt-unsafe): single-threaded child
  ::signal(SIGPIPE, SIG_DFL);
  const int devnull = ::open("/dev/null", O_RDONLY);
  ::dup2(devnull, STDIN_FILENO);
  ::dup2(out_fd, STDOUT_FILENO);
  ::dup2(out_fd, STDERR_FILENO);
  // No listening socket or database handle of the server may live on in the child.
  ::syscall(SYS_close_range, 3U, ~0U, 0U);
  std::array<char*, 2> env{const_cast<char*>("LC_ALL=C"), nullptr};
  ::execve(program.c_str(), argv.data(), env.data());
  ::_exit(127);
}

struct ChildOutcome {
  std::string output;  // stdout and stderr, cut at kMaxStderr
  bool timed_out = false;
  int status = -1;  // waitpid status
};

void drain(int fd, pid_t pid, Clock::time_point deadline, ChildOutcome& out) {
  std::array<char, 512> buf{};
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      ::kill(-pid, SIGKILL);
      out.timed_out = true;
      return;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n <= 0) return;  // EOF: the child has exited (or closed its output)
    if (out.output.size() < kMaxStderr) out.output.append(buf.data(), static_cast<std::size_t>(n));
  }
}

ChildOutcome run_child(const std::string& program, std::vector<std::string> args,
                       std::chrono::seconds timeout) {
  ChildOutcome out;
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::array<int, 2> pipe_fds{-1, -1};
  if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0) {
    out.output = "cannot create a pipe";
    return out;
  }
  const pid_t pid = ::fork();
  if (pid == 0) exec_child(program, argv, pipe_fds[1]);
  ::close(pipe_fds[1]);
  if (pid < 0) {
    ::close(pipe_fds[0]);
    out.output = "cannot start the converter";
    return out;
  }
  drain(pipe_fds[0], pid, Clock::now() + timeout, out);
  ::close(pipe_fds[0]);
  ::waitpid(pid, &out.status, 0);
  return out;
}

const char* sox_type(AudioFormat f) {
  switch (f) {
    case AudioFormat::Wav:
      return "wav";
    case AudioFormat::Flac:
      return "flac";
    case AudioFormat::OggVorbis:
      return "vorbis";
    case AudioFormat::Mp3:
      return "mp3";
    case AudioFormat::Aiff:
      return "aiff";
    case AudioFormat::Au:
      return "au";
  }
  return "wav";
}

// sox's last "FAIL" line, without our temporary path, for the admin.
std::string sox_reason(std::string output, const std::string& dir) {
  for (auto at = output.find(dir); at != std::string::npos; at = output.find(dir))
    output.erase(at, dir.size() + 1);
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  const auto line = output.rfind('\n');
  std::string last = line == std::string::npos ? output : output.substr(line + 1);
  if (last.rfind("sox FAIL ", 0) == 0) last.erase(0, 9);
  return last.empty() ? "no message" : last;
}

ConvertResult refused(std::string why) {
  ConvertResult r;
  r.error = std::move(why);
  return r;
}

std::string allowed_list() {
  return "WAV, FLAC, Ogg Vorbis, MP3, AIFF or AU";
}

ConvertResult check_output(const std::string& path, const ConvertLimits& limits) {
  std::ifstream in(path, std::ios::binary);
  std::string wav((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ConvertResult r;
  try {
    const auto* p = reinterpret_cast<const std::uint8_t*>(wav.data());
    const auto prompt = parse_wav({p, wav.size()}, "converted file", "upload");
    r.duration_ms = static_cast<std::int64_t>(prompt->samples.size()) * 1000 / kSampleRate;
  } catch (const std::exception& e) {
    return refused(std::string("the converter produced no usable audio: ") + e.what());
  }
  if (r.duration_ms > std::chrono::milliseconds(limits.max_duration).count()) {
    return refused("the recording is longer than " + std::to_string(limits.max_duration.count()) + " s");
  }
  if (r.duration_ms < limits.min_duration.count())
    return refused("the recording is empty (shorter than 0.1 s)");
  r.wav = std::move(wav);
  return r;
}

}  // namespace

std::optional<AudioFormat> sniff_audio_format(std::string_view b) {
  if (starts(b, 0, "RIFF") && starts(b, 8, "WAVE")) return AudioFormat::Wav;
  if (starts(b, 0, "fLaC")) return AudioFormat::Flac;
  if (starts(b, 0, "OggS") && b.find("\x01vorbis") != std::string_view::npos && b.find("\x01vorbis") < 64)
    return AudioFormat::OggVorbis;
  if (starts(b, 0, "FORM") && (starts(b, 8, "AIFF") || starts(b, 8, "AIFC"))) return AudioFormat::Aiff;
  if (starts(b, 0, ".snd")) return AudioFormat::Au;
  if (starts(b, 0, "ID3")) return AudioFormat::Mp3;
  // An MPEG audio frame header without a tag: 11 sync bits, then layer III (bits 01).
  if (b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0xFF &&
      (static_cast<unsigned char>(b[1]) & 0xE6) == 0xE2)
    return AudioFormat::Mp3;
  return std::nullopt;
}

const char* audio_format_name(AudioFormat f) {
  switch (f) {
    case AudioFormat::Wav:
      return "WAV";
    case AudioFormat::Flac:
      return "FLAC";
    case AudioFormat::OggVorbis:
      return "Ogg Vorbis";
    case AudioFormat::Mp3:
      return "MP3";
    case AudioFormat::Aiff:
      return "AIFF";
    case AudioFormat::Au:
      return "AU";
  }
  return "?";
}

ConvertResult convert_to_prompt_wav(std::string_view input, const std::string& work_dir,
                                    const ConvertLimits& limits) {
  if (input.empty()) return refused("the file is empty");
  const auto format = sniff_audio_format(input);
  if (!format) return refused("not a supported audio file; upload " + allowed_list());
  const std::string program = resolve_program(limits.sox);
  if (program.empty()) return refused("the audio converter (sox) is not installed on the server");
  const TempDir dir(work_dir);
  if (dir.path().empty()) return refused("cannot create a temporary directory in " + work_dir);
  const std::string in_path = dir.path() + "/in";
  const std::string out_path = dir.path() + "/out.wav";
  std::ofstream(in_path, std::ios::binary).write(input.data(), static_cast<std::streamsize>(input.size()));
  // Trimmed one second past the limit: enough to tell "too long" without writing an hour of audio.
  const auto child = run_child(program,
                               {"sox",
                                "-q",
                                "-V1",
                                "-t",
                                sox_type(*format),
                                in_path,
                                "-r",
                                "8000",
                                "-c",
                                "1",
                                "-b",
                                "16",
                                "-e",
                                "signed-integer",
                                "-t",
                                "wav",
                                out_path,
                                "trim",
                                "0",
                                std::to_string(limits.max_duration.count() + 1)},
                               limits.timeout);
  if (child.timed_out) {
    return refused("converting the file took longer than " + std::to_string(limits.timeout.count()) + " s");
  }
  if (!WIFEXITED(child.status) || WEXITSTATUS(child.status) != 0) {
    return refused(std::string("the file could not be decoded as ") + audio_format_name(*format) + ": " +
                   sox_reason(child.output, dir.path()));
  }
  return check_output(out_path, limits);
}

}  // namespace callbackd::media
