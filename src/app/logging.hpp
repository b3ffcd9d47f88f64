#pragma once
// The process's logger: stderr, one line per message, every message passed through text::log_escape (Line) as
// a last defence against forged lines, and journald priorities when systemd captures stderr.
#include <spdlog/formatter.h>

#include <memory>
#include <string>

namespace callbackd::app {

enum class LogTarget {
  Terminal,  // "2026-12-02 00:00:00.000 info message"
  Journal,   // "<6>info message": sd-daemon(3) priority prefix; journald adds the time itself
};

// Journal when JOURNAL_STREAM names our stderr (systemd sets it for a service), else Terminal.
LogTarget detect_log_target();

// Formats one message for `target`, with control bytes in the message escaped.
std::unique_ptr<spdlog::formatter> make_log_formatter(LogTarget target);

// Installs the default logger on stderr at `level` ("trace" ... "error").
void setup_logging(LogTarget target, const std::string& level);

}  // namespace callbackd::app
