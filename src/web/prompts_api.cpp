#include "web/prompts_api.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "media/prompt.hpp"

namespace callbackd::web {
namespace {

namespace fs = std::filesystem;

Reply no_prompt(const std::string& language, const std::string& name) {
  return error_reply(404, "no prompt " + language + "/" + name, "name");
}

bool write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return ::fsync(fd) == 0;
}

// Readers (a call starting to play, a browser) see the old file or the new one, never a part: the bytes go
// to a temporary file that is synced and then renamed over the target.
void write_atomically(const fs::path& target, const std::string& data) {
  fs::create_directories(target.parent_path());
  const fs::path tmp = target.string() + ".uploading";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + tmp.string());
  const bool ok = write_all(fd, data);
  ::close(fd);
  if (!ok) {
    fs::remove(tmp);
    throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, target);
}

}  // namespace

PromptsApi::PromptsApi(PromptDirs dirs, media::PromptCatalog* catalog, media::ConvertLimits limits)
    : dirs_(std::move(dirs)), catalog_(catalog), limits_(std::move(limits)) {}

std::string PromptsApi::default_path(const std::string& language, const std::string& name) const {
  return dirs_.defaults + "/" + language + "/" + name + ".wav";
}

std::string PromptsApi::custom_path(const std::string& language, const std::string& name) const {
  return dirs_.custom + "/" + language + "/" + name + ".wav";
}

nlohmann::json PromptsApi::state(const std::string& language, const std::string& name) const {
  std::error_code ec;
  if (!fs::is_regular_file(default_path(language, name), ec)) return nullptr;
  const bool custom = !dirs_.custom.empty() && fs::is_regular_file(custom_path(language, name), ec);
  return {{"language", language}, {"name", name}, {"custom", custom}};
}

// Every default prompt: only those can be replaced, since only those are played by a menu.
Reply PromptsApi::list() const {
  std::error_code ec;
  std::vector<std::pair<std::string, std::string>> found;
  for (const auto& lang : fs::directory_iterator(dirs_.defaults, ec)) {
    if (!lang.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(lang.path(), ec)) {
      if (f.path().extension() == ".wav") {
        found.emplace_back(lang.path().filename().string(), f.path().stem().string());
      }
    }
  }
  std::sort(found.begin(), found.end());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [language, name] : found) out.push_back(state(language, name));
  return Reply{200, out};
}

// The routes admit only [a-z]{2,8} and [A-Za-z0-9-]{1,64}, so no path leaves the prompt directories.
Reply PromptsApi::audio(const std::string& language, const std::string& name) const {
  const auto now = state(language, name);
  if (now.is_null()) return no_prompt(language, name);
  const std::string path =
      now["custom"].get<bool>() ? custom_path(language, name) : default_path(language, name);
  std::ifstream in(path, std::ios::binary);
  if (!in) return no_prompt(language, name);
  std::ostringstream data;
  data << in.rdbuf();
  Reply r(200, data.str(), "audio/wav");
  r.headers.emplace_back("Cache-Control", "no-store");  // the same URL plays a new recording after an upload
  return r;
}

Reply PromptsApi::replace(const std::string& language, const std::string& name, const std::string& body) {
  if (state(language, name).is_null()) return no_prompt(language, name);
  if (dirs_.custom.empty()) return error_reply(409, "this server has no directory for recordings", "name");
  fs::create_directories(dirs_.custom);
  // Converted before the lock: a slow file must not hold up another prompt's change.
  const auto converted = media::convert_to_prompt_wav(body, dirs_.custom, limits_);
  if (!converted.ok()) {
    spdlog::info("api: prompt {}/{} upload refused: {}", language, name, converted.error);
    return error_reply(400, converted.error, "file");
  }
  {
    std::lock_guard lock(write_mu_);
    write_atomically(custom_path(language, name), converted.wav);
    reload(language, name, custom_path(language, name));
  }
  spdlog::info("api: prompt {}/{} replaced by a recording of {} ms", language, name, converted.duration_ms);
  auto out = state(language, name);
  out["duration_ms"] = converted.duration_ms;
  out["format"] = media::audio_format_name(*media::sniff_audio_format(body));
  return Reply{200, out};
}

Reply PromptsApi::restore(const std::string& language, const std::string& name) {
  if (state(language, name).is_null()) return no_prompt(language, name);
  {
    std::lock_guard lock(write_mu_);
    std::error_code ec;
    if (!dirs_.custom.empty()) fs::remove(custom_path(language, name), ec);
    if (ec) throw std::runtime_error("cannot remove " + custom_path(language, name) + ": " + ec.message());
    reload(language, name, default_path(language, name));
  }
  spdlog::info("api: prompt {}/{} restored to its default", language, name);
  return Reply{200, state(language, name)};
}

void PromptsApi::reload(const std::string& language, const std::string& name, const std::string& path) {
  if (catalog_ == nullptr) return;
  const std::string key = language + "/" + name;
  catalog_->replace(key, media::load_wav(path, key));
}

}  // namespace callbackd::web
