#include "app/registrar_wiring.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <future>

namespace callbackd::app {

registrar::RegistrarSettings registrar_settings(const SipConfig& c) {
  registrar::DigestGuardSettings guard;
  guard.source_failures = c.auth_source_failures;
  guard.source_window = std::chrono::seconds(c.auth_source_window_s);
  guard.lockout_failures = c.auth_lockout_failures;
  guard.lockout_window = std::chrono::seconds(c.auth_lockout_window_s);
  guard.lockout = std::chrono::seconds(c.auth_lockout_s);
  return {c.realm, std::chrono::seconds(c.nonce_ttl_s), c.min_expires_s, c.max_expires_s, guard};
}

registrar::Ha1Lookup store_ha1_lookup(pbx::StorePort& store) {
  return [&store](const std::string& number, std::function<void(const std::optional<std::string>&)> done) {
    store.ask(
        [number](store::Store& s) -> std::optional<std::string> {
          auto e = s.get_extension(number);
          if (!e || e->digest_ha1.empty()) return std::nullopt;
          return e->digest_ha1;
        },
        [done = std::move(done)](const store::StoreOutcome<std::optional<std::string>>& out) {
          if (!out.ok()) spdlog::error("registrar: cannot read extensions: {}", out.error);
          done(out.ok() ? *out.value : std::nullopt);
        });
  };
}

pbx::CallManager::Authenticate phone_authenticator(registrar::Registrar& registrar) {
  return [&registrar](const sip::InviteInfo& invite,
                      std::function<void(const pbx::CallManager::PhoneAuth&)> done) {
    using Verdict = pbx::CallManager::PhoneAuth::Verdict;
    // Only where a phone has registered: elsewhere an INVITE is a stranger's, refused before any digest, so
    // passwords can be guessed by REGISTER alone (throttled, logged, banned by fail2ban).
    if (!registrar.location().has_source(invite.source_ip)) return done({Verdict::Stranger, {}, {}});
    const registrar::DigestRequest req{"INVITE",
                                       invite.request_uri,
                                       invite.from_user,
                                       invite.proxy_authorization,
                                       invite.source_ip,
                                       invite.source_port,
                                       registrar::ChallengeKind::Proxy};
    registrar.authenticate(req, [done = std::move(done)](const registrar::DigestVerdict& v) {
      done({v.ok ? Verdict::Proven : Verdict::Challenge, v.extension, v.reply});
    });
  };
}

web::RegistrationsHook registrations_hook(sip::EventLoop& loop, const registrar::Registrar& registrar) {
  return [&loop, &registrar] {
    // Shared, because after a timeout the loop may still run the task once this function has returned.
    auto done = std::make_shared<std::promise<web::Registrations>>();
    auto result = done->get_future();
    loop.post([&registrar, done] {
      web::Registrations out;
      for (const auto& [number, contacts] : registrar.location().all()) {
        auto& list = out[number];
        for (const auto& c : contacts) list.push_back({c.uri, c.expires_s});
      }
      done->set_value(std::move(out));
    });
    if (result.wait_for(std::chrono::seconds(1)) != std::future_status::ready) return web::Registrations{};
    return result.get();
  };
}

}  // namespace callbackd::app
