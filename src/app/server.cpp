#include "app/server.hpp"

#include <signal.h>
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <functional>

#include "app/create_admin.hpp"
#include "app/ops_metrics.hpp"
#include "app/ports.hpp"
#include "app/reload.hpp"
#include "app/service.hpp"
#include "callback/job_scheduler.hpp"
#include "media/prompt.hpp"
#include "media/rtp_engine.hpp"
#include "pbx/call_manager.hpp"
#include "sip/event_loop.hpp"
#include "sip/sip_stack.hpp"
#include "store/admin_store.hpp"
#include "store/audit.hpp"
#include "store/store.hpp"
#include "store/store_worker.hpp"
#include "web/api_server.hpp"

namespace callbackd::app {
namespace {

// SIGTERM, SIGINT and SIGHUP arrive as a readable fd on the event loop, so shutdown and reload run on the
// call-control thread. They are blocked before any thread starts so that no other thread takes them.
class SignalFd {
 public:
  SignalFd() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
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
  s.max_calls = static_cast<std::size_t>(c.sip.max_calls);
  s.language = c.media.language;
  s.callback = c.callback;
  s.lines = c.lines;
  return s;
}

void check_prompts(const media::PromptCatalog& prompts, const std::string& dir, const std::string& lang) {
  for (const char* name : required_prompts()) {
    std::string key = lang;
    key.append("/").append(name);
    if (!prompts.find(key)) {
      throw std::runtime_error(
          fmt::format("prompt {}.wav is missing in {} (media.prompts_dir, media.language)", key, dir));
    }
  }
}

// SIGTERM's sequence, on the loop: drain (new calls refused, no job dialed, calls in progress go on up to
// the grace), then hang up what is left, then stop the SIP stack and the loop.
class Shutdown {
 public:
  Shutdown(sip::EventLoop& loop, sip::SipStack& sip, pbx::CallManager& manager, web::ApiServer& api,
           OpsMetrics& ops, std::chrono::seconds grace)
      : loop_(loop), sip_(sip), manager_(manager), api_(api), ops_(ops), grace_(grace) {}

  bool started() const { return started_; }
  // The first one starts draining; another ends the grace at once.
  void signal(int sig) {
    if (started_) {
      if (!grace_over_) spdlog::info("callbackd: signal {} again, ending the calls in progress now", sig);
      grace_over_ = true;
      return;
    }
    started_ = true;
    spdlog::info("callbackd: signal {}, draining (up to {} s, sip.shutdown_grace_s)", sig, grace_.count());
    ops_.draining();
    manager_.drain();
    drain_until(std::chrono::steady_clock::now() + grace_);
  }

 private:
  // Draining: how often it looks whether the calls in progress have ended or the grace is over.
  static constexpr std::chrono::milliseconds kDrainCheck{100};
  // nua ignores handle operations once its own shutdown has begun, so our BYEs and CANCELs go out first; a
  // peer that never answers them must not hold the process: after kByeTries its dialogs are dropped.
  static constexpr int kByeTries = 50;  // x 100 ms

  void drain_until(std::chrono::steady_clock::time_point end) {
    if (manager_.legs() > 0 && !grace_over_ && std::chrono::steady_clock::now() < end) {
      loop_.start_timer(kDrainCheck, [this, end] { drain_until(end); });
      return;
    }
    if (manager_.legs() > 0) spdlog::info("callbackd: grace over, ending {} leg(s)", manager_.legs());
    api_.stop();
    manager_.shutdown();
    finish_when_quiet(0);
  }

  void finish_when_quiet(int tries) {
    if (sip_.active_legs() > 0 && tries < kByeTries) {
      loop_.start_timer(std::chrono::milliseconds(100), [this, tries] { finish_when_quiet(tries + 1); });
      return;
    }
    sip_.drop_dialogs();
    sip_.shutdown([this] { loop_.stop(); });
    loop_.start_timer(std::chrono::seconds(3), [this] { loop_.stop(); });
  }

  sip::EventLoop& loop_;
  sip::SipStack& sip_;
  pbx::CallManager& manager_;
  web::ApiServer& api_;
  OpsMetrics& ops_;
  std::chrono::seconds grace_;
  bool started_ = false;
  bool grace_over_ = false;
};

}  // namespace

int run_server(const Config& config, const std::string& config_path) {
  // The database holds caller lists and password hashes, the token file a credential: private to our user.
  ::umask(0077);
  SignalFd signals;
  std::filesystem::create_directories(std::filesystem::path(config.store.sqlite).parent_path());
  auto store = store::open_sqlite_store(config.store.sqlite);
  const std::string token = resolve_admin_token(config);
  const std::string prompts_dir = effective_prompts_dir(config.media);
  // Admins' recordings live beside the database: the prompts directory may be read-only (/usr/share).
  const std::string custom_prompts_dir =
      (std::filesystem::path(config.store.sqlite).parent_path() / "prompts").string();
  media::PromptCatalog prompts(prompts_dir, custom_prompts_dir);
  check_prompts(prompts, prompts_dir, config.media.language);

  sip::EventLoop loop;
  MediaEventRelay relay;
  media::RtpEngine engine(config.media.address, config.media.port_min, config.media.port_max,
                          [&relay](const media::MediaEvent& ev) { relay.deliver(ev); });
  callback::SystemClock clock;
  LoopPort loop_port(loop);
  MediaPort media_port(engine);
  // Destroyed after the call core: its last call records are written (the worker drains) before exit.
  store::StoreWorker store_worker(*store, [&loop](std::function<void()> fn) { loop.post(std::move(fn)); });
  StoreWorkerPort store_port(store_worker);
  SipSignalling signalling;
  pbx::CallManager manager({loop_port, signalling, media_port, store_port, prompts, clock},
                           pbx_settings(config));
  relay.attach(manager);
  sip::SipStack sip(loop, {config.sip.listen.host, config.sip.listen.port, config.sip.user_agent}, manager);
  signalling.attach(sip);

  // HTTP is bound before the SIP stack starts: a taken web port must end the process with a clear error
  // while nothing needs a shutdown yet (nua cannot be destroyed once started without one).
  OpsMetrics ops(loop, manager, config.store.sqlite);
  auto admins = store::open_sqlite_admin_store(config.store.sqlite);
  auto audit = store::open_sqlite_audit_log(config.store.sqlite);
  web::ApiSettings api_settings{token, config.callback.default_delay_s};
  api_settings.admins = admins.get();
  api_settings.audit = audit.get();
  api_settings.secure_cookie = config.web.secure_cookie;
  api_settings.limits = {std::chrono::seconds(config.web.request_timeout_s), config.web.max_connections};
  api_settings.prompts_dir = prompts_dir;
  api_settings.custom_prompts_dir = custom_prompts_dir;
  api_settings.prompt_catalog = &prompts;
  api_settings.settings_view = settings_view(config);
  api_settings.ops = {[&ops] { return ops.not_ready(); }, [&ops] { return ops.metrics(); }};
  web::ApiServer api(*store, std::move(api_settings));
  api.on_job_cancelled([&manager](std::int64_t id) { manager.job_cancelled(id); });
  if (!api.listen(config.web.listen.host, config.web.listen.port)) {
    throw std::runtime_error("cannot listen for HTTP on " + config.web.listen.str() + " (web.listen)");
  }
  sip.start();
  ops.sip_bound();
  manager.start();

  spdlog::info("callbackd ready: SIP sip:{} (UDP, TCP), web http://{}/, {} line(s), {} prompts",
               config.sip.listen.str(), config.web.listen.str(), config.lines.size(), prompts.size());
  const ServiceManager service;
  service.ready("SIP " + config.sip.listen.str() + ", web " + config.web.listen.str());
  service.start_watchdog(loop);
  Config running = config;  // what a SIGHUP compares the file with

  Shutdown shutdown(loop, sip, manager, api, ops, std::chrono::seconds(config.sip.shutdown_grace_s));
  loop.watch_fd(signals.fd(), [&] {
    const int sig = signals.read_signal();
    if (sig != SIGHUP) {
      if (!shutdown.started()) service.stopping();
      return shutdown.signal(sig);
    }
    if (shutdown.started()) return;
    service.reloading();
    reload_config(config_path, running,
                  [&manager](const auto& lines, const auto& callback) { manager.reload(lines, callback); });
    service.ready("reloaded");
  });
  loop.run();
  relay.detach();  // waits for a media event in flight: none reaches the manager once it is gone
  spdlog::info("callbackd: stopped");
  return 0;
}

}  // namespace callbackd::app
