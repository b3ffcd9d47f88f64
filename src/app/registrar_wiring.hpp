#pragma once
// The registrar on the real thing: H(A1) from the store worker, and its bindings for the REST API read on
// the call-control loop (web must not reach into loop state from an HTTP thread).
#include "app/config.hpp"
#include "pbx/call_manager.hpp"
#include "pbx/ports.hpp"
#include "registrar/registrar.hpp"
#include "sip/event_loop.hpp"
#include "web/api_server.hpp"

namespace callbackd::app {

registrar::RegistrarSettings registrar_settings(const SipConfig& c);
// Looks the extension up on the store worker; a store failure answers "no H(A1)", so the phone is refused.
registrar::Ha1Lookup store_ha1_lookup(pbx::StorePort& store);
// INVITEs from phones (not from a line) authenticated by the registrar's digest, with 407 challenges.
pbx::CallManager::Authenticate phone_authenticator(registrar::Registrar& registrar);
// Every registered extension's contacts, read on the loop; empty when the loop does not answer within 1 s.
web::RegistrationsHook registrations_hook(sip::EventLoop& loop, const registrar::Registrar& registrar);

}  // namespace callbackd::app
