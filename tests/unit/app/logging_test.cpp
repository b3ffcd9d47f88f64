// The process's log format: one line per message whatever the message holds, and sd-daemon priorities for
// journald.
#include "app/logging.hpp"

#include <gtest/gtest.h>
#include <spdlog/details/log_msg.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace callbackd::app {
namespace {

std::string format(LogTarget target, spdlog::level::level_enum level, std::string_view text) {
  spdlog::details::log_msg msg(spdlog::source_loc{}, "callbackd", level,
                               spdlog::string_view_t(text.data(), text.size()));
  spdlog::memory_buf_t out;
  make_log_formatter(target)->format(msg, out);
  return {out.data(), out.size()};
}

TEST(LogFormat, JournalLinesCarryTheirPriorityAndNoTime) {
  EXPECT_EQ(format(LogTarget::Journal, spdlog::level::warn, "security: x"), "<4>warning security: x\n");
  EXPECT_EQ(format(LogTarget::Journal, spdlog::level::info, "ready"), "<6>info ready\n");
  EXPECT_EQ(format(LogTarget::Journal, spdlog::level::err, "e"), "<3>error e\n");
  EXPECT_EQ(format(LogTarget::Journal, spdlog::level::critical, "c"), "<2>critical c\n");
  EXPECT_EQ(format(LogTarget::Journal, spdlog::level::debug, "d"), "<7>debug d\n");
}

TEST(LogFormat, TerminalLinesStartWithTimeAndLevel) {
  const std::string line = format(LogTarget::Terminal, spdlog::level::info, "hello");
  EXPECT_TRUE(line.ends_with(" info hello\n")) << line;
  EXPECT_EQ(line[4], '-');  // 2026-12-02 ...
  EXPECT_EQ(line.find('<'), std::string::npos);
}

TEST(LogFormat, ControlBytesInAMessageNeverStartANewLine) {
  const std::string line = format(LogTarget::Terminal, spdlog::level::info,
                                  "from '+1\r\n2026-12-02 00:00:00.000 warning security: x'");
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // only the line's own end
  EXPECT_NE(line.find("+1\\x0d\\x0a2026"), std::string::npos) << line;
}

TEST(LogTarget, JournalOnlyWhenJournalStreamIsOurStderr) {
  unsetenv("JOURNAL_STREAM");
  EXPECT_EQ(detect_log_target(), LogTarget::Terminal);
  setenv("JOURNAL_STREAM", "1:1", 1);  // some other stream: a child whose stderr was redirected
  EXPECT_EQ(detect_log_target(), LogTarget::Terminal);
  setenv("JOURNAL_STREAM", "garbage", 1);
  EXPECT_EQ(detect_log_target(), LogTarget::Terminal);
  struct stat st {};
  ASSERT_EQ(fstat(STDERR_FILENO, &st), 0);
  setenv("JOURNAL_STREAM", (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)).c_str(), 1);
  EXPECT_EQ(detect_log_target(), LogTarget::Journal);
  unsetenv("JOURNAL_STREAM");
}

}  // namespace
}  // namespace callbackd::app
