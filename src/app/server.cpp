#include "app/server.hpp"

#include <signal.h>
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "app/create_admin.hpp"
#include "callback/job_scheduler.hpp"
#include "media/prompt.hpp"
#include "media/rtp_engine.hpp"
#include "pbx/call_manager.hpp"
#include "sip/event_loop.hpp"
#include "sip/sip_stack.hpp"
#include "store/admin_store.hpp"
#include "store/store.hpp"
#include "web/api_server.hpp"

#ifndef CALLBACKD_DEFAULT_PROMPTS_DIR
#define CALLBACKD_DEFAULT_PROMPTS_DIR "/usr/share/callbackd/prompts"
#endif

namespace callbackd::app {
namespace {

// SIGTERM and SIGINT arrive as a readable fd on the event loop, so shutdown runs on the call-control thread.
// They are blocked before any thread starts so that no other thread takes them.
class SignalFd {
 public:
  SignalFd() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);
    fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("cannot create a signalfd");
  }
  ~SignalFd() { ::close(fd_); }
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;
  int fd() const { return fd_; }
  int read_signal() const {
    signalfd_siginfo info{};
    return ::read(fd_, &info, sizeof info) == sizeof info ? static_cast<int>(info.ssi_signo) : 0;
  }

 private:
  int fd_ = -1;
};

pbx::PbxSettings pbx_settings(const Config& c) {
  pbx::PbxSettings s;
  s.sip_listen = c.sip.listen;
  s.language = c.media.language;
  s.callback = c.callback;
  s.lines = c.lines;
  return s;
}

void check_prompts(const media::PromptCatalog& prompts, const std::string& dir, const std::string& lang) {
  for (const char* name : {"welcome", "you-entered", "goodbye", "invalid", "no-input", "digit-0"}) {
    std::string key = lang;
    key.append("/").append(name);
    if (!prompts.find(key)) throw std::runtime_error(fmt::format("prompt {}.wav is missing in {}", key, dir));
  }
}

}  // namespace

int run_server(const Config& config) {
  // The database holds caller lists and password hashes, the token file a credential: private to our user.
  ::umask(0077);
  SignalFd signals;
  std::filesystem::create_directories(std::filesystem::path(config.store.sqlite).parent_path());
  auto store = store::open_sqlite_store(config.store.sqlite);
  const std::string token = resolve_admin_token(config);
  const std::string prompts_dir =
      config.media.prompts_dir.empty() ? CALLBACKD_DEFAULT_PROMPTS_DIR : config.media.prompts_dir;
  media::PromptCatalog prompts(prompts_dir);
  check_prompts(prompts, prompts_dir, config.media.language);

  sip::EventLoop loop;
  std::atomic<pbx::CallManager*> manager_ptr{nullptr};
  media::RtpEngine engine(config.media.address, config.media.port_min, config.media.port_max,
                          [&manager_ptr](const media::MediaEvent& ev) {
                            if (auto* m = manager_ptr.load()) m->media_event(ev);
                          });
  callback::SystemClock clock;
  pbx::CallManager manager({loop, *store, engine, prompts, clock}, pbx_settings(config));
  manager_ptr = &manager;
  sip::SipStack sip(loop, {config.sip.listen.host, config.sip.listen.port, config.sip.user_agent}, manager);
  manager.attach(sip);
  sip.start();
  manager.start();

  auto admins = store::open_sqlite_admin_store(config.store.sqlite);
  web::ApiSettings api_settings{token, config.callback.default_delay_s};
  api_settings.admins = admins.get();
  api_settings.prompts_dir = prompts_dir;
  api_settings.settings_view = settings_view(config);
  web::ApiServer api(*store, std::move(api_settings));
  api.on_job_cancelled([&manager](std::int64_t id) { manager.job_cancelled(id); });
  if (!api.listen(config.web.listen.host, config.web.listen.port)) {
    throw std::runtime_error("cannot listen for HTTP on " + config.web.listen.str());
  }
  spdlog::info("callbackd ready: SIP sip:{} (UDP, TCP), web http://{}/, {} line(s), {} prompts",
               config.sip.listen.str(), config.web.listen.str(), config.lines.size(), prompts.size());

  bool stopping = false;
  loop.watch_fd(signals.fd(), [&] {
    const int sig = signals.read_signal();
    if (stopping) return;
    stopping = true;
    spdlog::info("callbackd: signal {}, stopping", sig);
    api.stop();
    manager.shutdown();
    sip.shutdown([&loop] { loop.stop(); });
    // A peer that never answers our BYE must not hold the process: stop regardless after a few seconds.
    loop.start_timer(std::chrono::seconds(5), [&loop] { loop.stop(); });
  });
  loop.run();
  manager_ptr = nullptr;
  spdlog::info("callbackd: stopped");
  return 0;
}

}  // namespace callbackd::app
