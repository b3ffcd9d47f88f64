#include "app/server.hpp"

#include <signal.h>
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>

#include "app/call_settings.hpp"
#include "app/create_admin.hpp"
#include "app/menu_file.hpp"
#include "app/ops_metrics.hpp"
#include "app/ports.hpp"
#include "app/registrar_wiring.hpp"
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
#include "store/settings_store.hpp"
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

sip::SipSettings sip_settings(const SipConfig& c) {
  sip::ThrottleSettings throttle;
  throttle.rate = c.stranger_rate;
  throttle.burst = c.stranger_burst;
  return {c.listen.host, c.listen.port, c.user_agent, throttle};
}

pbx::PbxSettings pbx_settings(const Config& c, std::shared_ptr<const ivr::Menu> menu) {
  pbx::PbxSettings s;
  s.sip_listen = c.sip.listen;
  s.sip_realm = c.sip.realm;
  s.max_calls = static_cast<std::size_t>(c.sip.max_calls);
  s.line_reserve = c.sip.line_reserve;
  s.language = c.media.language;
  s.callback = c.callback;
  s.attendant.menu = std::move(menu);
  s.attendant.lockout_failures = c.attendant.lockout_failures;
  s.attendant.lockout_s = c.attendant.lockout_s;
  s.attendant.operator_extension = c.attendant.operator_extension;
  s.attendant.number = c.attendant.number;
  s.lines = c.lines;
  s.policy = c.policy;
  return s;
}

// The REST API's copy of the toll-fraud policy: HTTP threads read it; a change in web management (on an HTTP
// thread) and a reload (on the control thread) replace it. A reader keeps the policy it took alive while it
// checks. It also holds the file's [policy], which web management changes only deny_prefixes of.
class ApiPolicy {
 public:
  ApiPolicy(const PolicyConfig& file, const CallSettings& settings) : file_(file) { apply(settings); }
  // SIGHUP read a new [policy]; the apply() that follows builds on it.
  void set_file(const PolicyConfig& file) {
    const std::lock_guard lock(mutex_);
    file_ = file;
  }
  // The settings in effect changed: the file's rules with their deny_prefixes, judged by their lines'
  // gateways and countries. Returns that policy, for the call core to take the same one.
  PolicyConfig apply(const CallSettings& settings) {
    PolicyConfig config;
    {
      const std::lock_guard lock(mutex_);
      config = file_;
    }
    config.deny_prefixes = settings.deny_prefixes;
    auto next = std::make_shared<const callback::TollPolicy>(pbx::make_toll_policy(config, settings.lines));
    const std::lock_guard lock(mutex_);
    policy_ = std::move(next);
    return config;
  }
  std::string check(const callback::Destination& target) const {
    std::shared_ptr<const callback::TollPolicy> p;
    {
      const std::lock_guard lock(mutex_);
      p = policy_;
    }
    return p->check_any_line(target);
  }

 private:
  mutable std::mutex mutex_;
  PolicyConfig file_;
  std::shared_ptr<const callback::TollPolicy> policy_;
};

std::shared_ptr<const ivr::Menu> menu_or_throw(const AttendantConfig& c) {
  auto menu = attendant_menu(c);
  if (auto* problems = std::get_if<std::vector<std::string>>(&menu)) {
    throw std::runtime_error(
        fmt::format("attendant.menu_file {}: {}", c.menu_file, fmt::join(*problems, "; ")));
  }
  return std::get<std::shared_ptr<const ivr::Menu>>(menu);
}

void check_prompts(const media::PromptCatalog& prompts, const std::string& dir, const std::string& lang,
                   const ivr::Menu& menu) {
  for (const auto& name : menu_prompts(menu)) {
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
  const auto menu = menu_or_throw(config.attendant);
  check_prompts(prompts, prompts_dir, config.media.language, *menu);

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
  // The lines, callback settings and deny_prefixes an admin changed in web management win over the file's
  // (call_settings.hpp).
  auto settings_store = store::open_sqlite_settings_store(config.store.sqlite);
  CallSettingsService call_settings(*settings_store, config);
  Config effective = config;
  effective.lines = call_settings.effective().lines;
  effective.callback = call_settings.effective().callback;
  effective.policy.deny_prefixes = call_settings.effective().deny_prefixes;
  pbx::CallManager manager({loop_port, signalling, media_port, store_port, prompts, clock},
                           pbx_settings(effective, menu));
  relay.attach(manager);
  sip::SipStack sip(loop, sip_settings(config.sip), manager);
  signalling.attach(sip);
  SipPinger pinger(sip);
  manager.keep_lines_alive(pinger, {config.sip.keepalive_s, config.sip.keepalive_failures});
  registrar::Registrar registrar(registrar_settings(config.sip), clock, store_ha1_lookup(store_port));
  manager.locate_with([&registrar](const std::string& extension) {
    std::vector<std::string> targets;
    for (const auto& c : registrar.location().contacts(extension)) targets.push_back(c.target);
    return targets;
  });
  sip.set_trusted_sources([&manager, &registrar](const std::string& ip) {
    return manager.lines().is_gateway_host(ip) || registrar.location().has_source(ip);
  });
  manager.authenticate_with(phone_authenticator(registrar));
  sip.set_register_handler([&registrar](const sip::RegisterRequest& req, sip::RegisterResponder respond) {
    registrar.handle(req, std::move(respond));
  });

  // HTTP is bound before the SIP stack starts: a taken web port must end the process with a clear error
  // while nothing needs a shutdown yet (nua cannot be destroyed once started without one).
  OpsMetrics ops(loop, manager, sip, config.store.sqlite);
  auto admins = store::open_sqlite_admin_store(config.store.sqlite);
  auto audit = store::open_sqlite_audit_log(config.store.sqlite);
  // The web server's threads change settings; the call core takes them on its loop, between two events.
  // The call core gets the same policy as the REST API, built once per change.
  ApiPolicy api_policy(config.policy, call_settings.effective());
  call_settings.attach(
      [&loop, &manager, &api_policy](const CallSettings& s) {
        auto policy = api_policy.apply(s);
        loop.post([&manager, s, policy = std::move(policy)] { manager.reload(s.lines, s.callback, policy); });
      },
      [&ops] { return ops.live(); });
  web::ApiSettings api_settings{token, effective.callback.default_delay_s};
  api_settings.call_settings = &call_settings;
  api_settings.admins = admins.get();
  api_settings.audit = audit.get();
  api_settings.secure_cookie = config.web.secure_cookie;
  api_settings.limits = {std::chrono::seconds(config.web.request_timeout_s), config.web.max_connections};
  api_settings.prompts_dir = prompts_dir;
  api_settings.custom_prompts_dir = custom_prompts_dir;
  api_settings.prompt_catalog = &prompts;
  api_settings.settings_view = settings_view(config);
  api_settings.ops = {[&ops] { return ops.not_ready(); }, [&ops] { return ops.metrics(); }};
  api_settings.destination_policy = [&api_policy](const callback::Destination& d) {
    return api_policy.check(d);
  };
  api_settings.sip_realm = config.sip.realm;
  api_settings.registrations = registrations_hook(loop, registrar);
  web::ApiServer api(*store, std::move(api_settings));
  api.on_job_cancelled([&manager](std::int64_t id) { manager.job_cancelled(id); });
  if (!api.listen(config.web.listen.host, config.web.listen.port)) {
    throw std::runtime_error("cannot listen for HTTP on " + config.web.listen.str() + " (web.listen)");
  }
  sip.start();
  ops.sip_bound();
  manager.start();

  spdlog::info("callbackd ready: SIP sip:{} (UDP, TCP), web http://{}/, {} line(s), {} prompts",
               config.sip.listen.str(), config.web.listen.str(), effective.lines.size(), prompts.size());
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
                  [&call_settings, &api_policy](const auto& lines, const auto& callback, const auto& policy) {
                    // The file's new rules, with the deny_prefixes in effect (the admin's once saved).
                    api_policy.set_file(policy);
                    call_settings.file_reloaded({lines, callback, policy.deny_prefixes});
                  });
    service.ready("reloaded");
  });
  loop.run();
  relay.detach();  // waits for a media event in flight: none reaches the manager once it is gone
  spdlog::info("callbackd: stopped");
  return 0;
}

}  // namespace callbackd::app
