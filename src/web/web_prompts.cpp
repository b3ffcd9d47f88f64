// The voice prompts, listed and played in the browser. Read-only: the media threads load the catalog once at
// start, so replacing a prompt while calls run needs a reloadable catalog first (issue 9, not done yet).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "web/web_handlers.hpp"

namespace callbackd::web {
namespace {

namespace fs = std::filesystem;

}  // namespace

Reply WebHandlers::list_prompts() const {
  nlohmann::json out = nlohmann::json::array();
  std::error_code ec;
  std::vector<std::pair<std::string, std::string>> found;
  for (const auto& lang : fs::directory_iterator(settings_.prompts_dir, ec)) {
    if (!lang.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(lang.path(), ec)) {
      if (f.path().extension() == ".wav") {
        found.emplace_back(lang.path().filename().string(), f.path().stem().string());
      }
    }
  }
  std::sort(found.begin(), found.end());
  for (const auto& [language, name] : found) out.push_back({{"language", language}, {"name", name}});
  return Reply{200, out};
}

// The route's pattern admits only [a-z]{2,8} and [a-z0-9-]{1,64}, so the path cannot leave the directory.
Reply WebHandlers::prompt_audio(const std::string& language, const std::string& name) const {
  const fs::path path = fs::path(settings_.prompts_dir) / language / (name + ".wav");
  std::ifstream in(path, std::ios::binary);
  if (!in) return error_reply(404, "no prompt " + language + "/" + name, "name");
  std::ostringstream data;
  data << in.rdbuf();
  return Reply(200, data.str(), "audio/wav");
}

}  // namespace callbackd::web
