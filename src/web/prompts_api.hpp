#pragma once
// The voice prompts in the browser (docs/rest-api.md, "Prompts"): list them, play the one in use, replace one
// with an upload (converted to 8 kHz mono by media::convert_to_prompt_wav) and restore the default. The
// defaults are the build's files and are never written; an admin's recording goes to the custom directory
// (beside the database) under the same "<language>/<name>.wav", and the running catalog swaps that one
// prompt, so the next call that plays it hears the new recording without a restart.
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "media/audio_convert.hpp"
#include "web/api_handlers.hpp"

namespace callbackd::media {
class PromptCatalog;
}

namespace callbackd::web {

struct PromptDirs {
  std::string defaults;  // read-only, "<dir>/<language>/<name>.wav"
  std::string custom;    // the admins' recordings, same layout; created on the first upload
};

class PromptsApi {
 public:
  // `catalog` may be null (no media layer, as in unit tests of the API alone).
  PromptsApi(PromptDirs dirs, media::PromptCatalog* catalog, media::ConvertLimits limits = {});

  Reply list() const;                                                       // [{language, name, custom}]
  Reply audio(const std::string& language, const std::string& name) const;  // audio/wav, the one in use
  Reply replace(const std::string& language, const std::string& name, const std::string& body);
  Reply restore(const std::string& language, const std::string& name);
  // {language, name, custom} or null for an unknown prompt: the audit log's before and after.
  nlohmann::json state(const std::string& language, const std::string& name) const;

 private:
  std::string default_path(const std::string& language, const std::string& name) const;
  std::string custom_path(const std::string& language, const std::string& name) const;
  void reload(const std::string& language, const std::string& name, const std::string& path);

  PromptDirs dirs_;
  media::PromptCatalog* catalog_;
  media::ConvertLimits limits_;
  std::mutex write_mu_;  // one replace or restore at a time: file and catalog change together
};

}  // namespace callbackd::web
