// The Prometheus text format /metrics writes.
#include "web/prom_text.hpp"

#include <gtest/gtest.h>

namespace callbackd::web {
namespace {

TEST(PromText, FamiliesWithHelpTypeAndLabelledSamples) {
  PromText p;
  p.family("x_total", "counter", "Things.").sample(3);
  p.family("y", "gauge", "Per line.").sample(1, {{"line", "fxo1"}}).sample(0, {{"line", "b"}, {"k", "v"}});
  EXPECT_EQ(p.str(),
            "# HELP x_total Things.\n# TYPE x_total counter\nx_total 3\n"
            "# HELP y Per line.\n# TYPE y gauge\ny{line=\"fxo1\"} 1\ny{line=\"b\",k=\"v\"} 0\n");
}

TEST(PromText, LabelValuesAreEscaped) {
  PromText p;
  p.family("y", "gauge", "h").sample(1, {{"line", "a\"b\\c\nd"}});
  EXPECT_NE(p.str().find("y{line=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << p.str();
}

}  // namespace
}  // namespace callbackd::web
