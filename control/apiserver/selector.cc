#include "control/apiserver/selector.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "control/apiserver/api_error.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

// Splits on commas outside parentheses: "a in (x,y),b" -> "a in (x,y)", "b".
std::vector<std::string> SplitTerms(absl::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  out.push_back(cur);
  return out;
}

std::optional<std::string> LabelValue(const json& o, const std::string& key) {
  json::json_pointer p("/metadata/labels");
  if (!o.contains(p) || !o.at(p).is_object()) return std::nullopt;
  const json& labels = o.at(p);
  auto it = labels.find(key);
  if (it == labels.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::string> FieldValue(const json& o, const std::string& key) {
  std::string pointer = "/" + key;
  std::replace(pointer.begin(), pointer.end(), '.', '/');
  json::json_pointer p(pointer);
  if (!o.contains(p)) return std::string();
  const json& v = o.at(p);
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

absl::StatusOr<Selector> Selector::ParseLabels(absl::string_view text) {
  Selector s;
  if (absl::StripAsciiWhitespace(text).empty()) return s;
  for (const std::string& raw : SplitTerms(text)) {
    absl::string_view term = absl::StripAsciiWhitespace(raw);
    auto bad = [&] {
      return BadRequestError(
          absl::StrCat("unable to parse requirement: \"", term, "\" in labelSelector"));
    };
    if (term.empty()) return bad();
    Requirement r;
    size_t paren = term.find('(');
    if (paren != absl::string_view::npos) {
      if (term.back() != ')') return bad();
      absl::string_view head = absl::StripAsciiWhitespace(term.substr(0, paren));
      std::vector<absl::string_view> words = absl::StrSplit(head, ' ', absl::SkipWhitespace());
      if (words.size() != 2) return bad();
      r.key = std::string(words[0]);
      if (words[1] == "in")
        r.op = Op::kIn;
      else if (words[1] == "notin")
        r.op = Op::kNotIn;
      else
        return bad();
      for (absl::string_view v :
           absl::StrSplit(term.substr(paren + 1, term.size() - paren - 2), ','))
        r.values.push_back(std::string(absl::StripAsciiWhitespace(v)));
    } else if (size_t ne = term.find("!="); ne != absl::string_view::npos) {
      r = {std::string(absl::StripAsciiWhitespace(term.substr(0, ne))),
           Op::kNotIn,
           {std::string(absl::StripAsciiWhitespace(term.substr(ne + 2)))}};
    } else if (size_t eq = term.find('='); eq != absl::string_view::npos) {
      size_t len = term.substr(eq).rfind('=') + 1;  // "=" or "=="
      r = {std::string(absl::StripAsciiWhitespace(term.substr(0, eq))),
           Op::kIn,
           {std::string(absl::StripAsciiWhitespace(term.substr(eq + len)))}};
    } else if (term.front() == '!') {
      r = {std::string(absl::StripAsciiWhitespace(term.substr(1))), Op::kDoesNotExist, {}};
    } else {
      r = {std::string(term), Op::kExists, {}};
    }
    if (r.key.empty()) return bad();
    s.requirements_.push_back(std::move(r));
  }
  return s;
}

absl::StatusOr<Selector> Selector::ParseFields(absl::string_view text,
                                               const std::vector<std::string>& fields) {
  Selector s;
  s.fields_ = true;
  if (absl::StripAsciiWhitespace(text).empty()) return s;
  for (absl::string_view term : absl::StrSplit(text, ',')) {
    term = absl::StripAsciiWhitespace(term);
    Requirement r;
    size_t ne = term.find("!=");
    size_t eq = term.find('=');
    if (ne != absl::string_view::npos) {
      r = {std::string(term.substr(0, ne)), Op::kNotIn, {std::string(term.substr(ne + 2))}};
    } else if (eq != absl::string_view::npos) {
      size_t len = term.substr(eq).rfind('=') + 1;
      r = {std::string(term.substr(0, eq)), Op::kIn, {std::string(term.substr(eq + len))}};
    } else {
      return BadRequestError(absl::StrCat("invalid field selector: \"", term, "\""));
    }
    if (r.key != "metadata.name" && r.key != "metadata.namespace" &&
        std::find(fields.begin(), fields.end(), r.key) == fields.end())
      return BadRequestError(absl::StrCat("field label not supported: ", r.key));
    s.requirements_.push_back(std::move(r));
  }
  return s;
}

bool Selector::Matches(const json& object) const {
  for (const Requirement& r : requirements_) {
    std::optional<std::string> value =
        fields_ ? FieldValue(object, r.key) : LabelValue(object, r.key);
    bool in = value && std::find(r.values.begin(), r.values.end(), *value) != r.values.end();
    switch (r.op) {
      case Op::kIn:
        if (!in) return false;
        break;
      case Op::kNotIn:
        if (in) return false;
        break;
      case Op::kExists:
        if (!value) return false;
        break;
      case Op::kDoesNotExist:
        if (value) return false;
        break;
    }
  }
  return true;
}

}  // namespace sluice::apiserver
