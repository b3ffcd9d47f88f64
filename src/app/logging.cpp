#include "app/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <charconv>
#include <cstdlib>
#include <string_view>

#include "callback/text.hpp"

namespace callbackd::app {
namespace {

// sd-daemon(3) priorities: what `journalctl -p warning` filters on.
char journal_priority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical:
      return '2';
    case spdlog::level::err:
      return '3';
    case spdlog::level::warn:
      return '4';
    case spdlog::level::info:
      return '6';
    default:
      return '7';
  }
}

class EscapingFormatter final : public spdlog::formatter {
 public:
  explicit EscapingFormatter(LogTarget target)
      : target_(target),
        inner_(std::make_unique<spdlog::pattern_formatter>(
            target == LogTarget::Journal ? "%l %v" : "%Y-%m-%d %H:%M:%S.%e %l %v")) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    if (target_ == LogTarget::Journal) {
      const char prefix[] = {'<', journal_priority(msg.level), '>'};
      dest.append(prefix, prefix + sizeof prefix);
    }
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    if (!callback::text::needs_line_escape(payload)) return inner_->format(msg, dest);
    // A newline or other control byte in a message came from a value no call site escaped: keep it on one
    // line.
    const std::string escaped = callback::text::log_escape(payload, callback::text::LogEscape::Line);
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(escaped.data(), escaped.size());
    inner_->format(copy, dest);
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<EscapingFormatter>(target_);
  }

 private:
  LogTarget target_;
  std::unique_ptr<spdlog::pattern_formatter> inner_;
};

}  // namespace

LogTarget detect_log_target() {
  // JOURNAL_STREAM is "DEVICE:INODE" of the stream systemd connected; it only counts if that is still our
  // stderr (a child of the service with stderr redirected elsewhere must not send priority prefixes there).
  // Read once at start-up, before any thread exists, so getenv's thread unsafety cannot bite.
  const char* env = std::getenv("JOURNAL_STREAM");  // NOLINT(concurrency-mt-unsafe)
  if (env == nullptr) return LogTarget::Terminal;
  const std::string_view stream(env);
  const auto colon = stream.find(':');
  if (colon == std::string_view::npos) return LogTarget::Terminal;
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  const auto [dev_end, dev_ec] = std::from_chars(stream.data(), stream.data() + colon, dev);
  const auto [ino_end, ino_ec] =
      std::from_chars(stream.data() + colon + 1, stream.data() + stream.size(), ino);
  if (dev_ec != std::errc{} || ino_ec != std::errc{} || dev_end != stream.data() + colon ||
      ino_end != stream.data() + stream.size()) {
    return LogTarget::Terminal;
  }
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return LogTarget::Terminal;
  return st.st_dev == dev && st.st_ino == ino ? LogTarget::Journal : LogTarget::Terminal;
}

std::unique_ptr<spdlog::formatter> make_log_formatter(LogTarget target) {
  return std::make_unique<EscapingFormatter>(target);
}

void setup_logging(LogTarget target, const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("callbackd");
  logger->set_formatter(make_log_formatter(target));
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace callbackd::app
