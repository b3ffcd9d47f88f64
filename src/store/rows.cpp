#include "store/rows.hpp"

#include "store/caller_key.hpp"

namespace callbackd::store::sqlite {

AuthorizedPhone read_phone(const Statement& st) {
  AuthorizedPhone p;
  p.id = st.int64(0);
  p.caller_type = caller_type_from(st.text(1)).value_or(CallerType::Auto);
  p.caller_address = st.text(2);
  p.login_extension = st.opt_text(3);
  p.auto_call_relay = st.boolean(4);
  p.description = st.text(5);
  p.callback_enabled = st.boolean(6);
  p.callback_type = callback_type_from(st.text(7)).value_or(CallbackType::Auto);
  p.callback_destination = st.text(8);
  if (!st.is_null(9)) p.callback_delay_s = st.integer(9);
  return p;
}

// Binds every column but id, starting at parameter 1 (shared by INSERT and UPDATE).
void bind_phone(Statement& st, const AuthorizedPhone& p) {
  st.bind(1, to_string(p.caller_type))
      .bind(2, p.caller_address)
      .bind(3, p.login_extension)
      .bind(4, p.auto_call_relay)
      .bind(5, p.description)
      .bind(6, p.callback_enabled)
      .bind(7, to_string(p.callback_type))
      .bind(8, p.callback_destination)
      .bind(9, p.callback_delay_s);
  // The index keys follow the address on every create and update, so the lookup never sees a stale key.
  const auto keys = caller_keys(p.caller_address);
  st.bind(10, keys.exact_key).bind(11, keys.pattern_prefix);
}

void bind_audit(Statement& st, const AuditEntry& e) {
  st.bind(1, e.at_ms)
      .bind(2, e.actor)
      .bind(3, e.source)
      .bind(4, e.action)
      .bind(5, e.entity)
      .bind(6, e.entity_id)
      .bind(7, e.old_value)
      .bind(8, e.new_value);
}

CallRecord read_record(const Statement& st) {
  CallRecord r;
  r.id = st.int64(0);
  r.job_id = st.opt_int64(1);
  r.direction = st.text(2);
  r.line = st.text(3);
  r.caller = st.text(4);
  r.callee = st.text(5);
  r.started_at = st.int64(6);
  r.answered_at = st.opt_int64(7);
  r.ended_at = st.opt_int64(8);
  r.result = st.text(9);
  r.call_ref = st.text(10);
  r.end_cause = st.text(11);
  return r;
}

}  // namespace callbackd::store::sqlite
