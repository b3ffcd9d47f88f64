#include "store/types.hpp"

#include <array>
#include <utility>

namespace callbackd::store {
namespace {

// One table per enum keeps the names and the parsing in a single place.
constexpr std::array<std::pair<CallerType, const char*>, 3> kCallerTypes{{
    {CallerType::Pstn, "pstn"},
    {CallerType::Sip, "sip"},
    {CallerType::Auto, "auto"},
}};
constexpr std::array<std::pair<CallbackType, const char*>, 4> kCallbackTypes{{
    {CallbackType::Pbx, "pbx"},
    {CallbackType::Pstn, "pstn"},
    {CallbackType::Sip, "sip"},
    {CallbackType::Auto, "auto"},
}};
constexpr std::array<std::pair<JobState, const char*>, 5> kJobStates{{
    {JobState::Pending, "pending"},
    {JobState::Dialing, "dialing"},
    {JobState::Answered, "answered"},
    {JobState::Failed, "failed"},
    {JobState::Cancelled, "cancelled"},
}};

template <typename E, std::size_t N>
const char* name_of(const std::array<std::pair<E, const char*>, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";
}

template <typename E, std::size_t N>
std::optional<E> value_of(const std::array<std::pair<E, const char*>, N>& table, std::string_view s) {
  for (const auto& [v, name] : table) {
    if (s == name) return v;
  }
  return std::nullopt;
}

}  // namespace

const char* to_string(CallerType t) {
  return name_of(kCallerTypes, t);
}
const char* to_string(CallbackType t) {
  return name_of(kCallbackTypes, t);
}
const char* to_string(JobState s) {
  return name_of(kJobStates, s);
}
std::optional<CallerType> caller_type_from(std::string_view s) {
  return value_of(kCallerTypes, s);
}
std::optional<CallbackType> callback_type_from(std::string_view s) {
  return value_of(kCallbackTypes, s);
}
std::optional<JobState> job_state_from(std::string_view s) {
  return value_of(kJobStates, s);
}

}  // namespace callbackd::store
