#include "control/apiserver/table.h"

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace sluice::apiserver {

using json = nlohmann::json;

OutputFormat NegotiateOutput(absl::string_view accept) {
  OutputFormat out;
  // Accept lists media types in preference order; the first one we serve wins.
  for (absl::string_view media : absl::StrSplit(accept, ',')) {
    media = absl::StripAsciiWhitespace(media);
    bool is_table = false, meta_group = false;
    std::string version;
    for (absl::string_view param : absl::StrSplit(media, ';')) {
      param = absl::StripAsciiWhitespace(param);
      if (param == "as=Table") is_table = true;
      if (param == "g=meta.k8s.io") meta_group = true;
      if (absl::StartsWith(param, "v=")) version = std::string(param.substr(2));
    }
    if (is_table && meta_group && (version == "v1" || version == "v1beta1")) {
      out.table = true;
      out.table_version = version;
      return out;
    }
    if (!is_table &&
        (absl::StartsWith(media, "application/json") || absl::StartsWith(media, "*/*")))
      return out;
  }
  return out;
}

json ToTable(const ResourceType& type, const std::vector<json>& objects,
             const TableOptions& options, absl::Time now) {
  json table = {{"kind", "Table"},
                {"apiVersion", "meta.k8s.io/" + options.table_version},
                {"metadata", json::object()}};
  if (options.with_columns) {
    json columns = json::array();
    for (const TableColumn& c : type.columns)
      columns.push_back({{"name", c.name},
                         {"type", c.type},
                         {"format", c.format},
                         {"description", c.description},
                         {"priority", c.priority}});
    table["columnDefinitions"] = columns;
  } else {
    table["columnDefinitions"] = nullptr;
  }
  json rows = json::array();
  for (const json& o : objects) {
    json cells = json::array();
    const json& meta = o.contains("metadata") ? o["metadata"] : json::object();
    for (const TableColumn& c : type.columns) cells.push_back(c.cell(o, now));
    json row = {{"cells", cells}};
    if (options.include_object == "Object") {
      row["object"] = o;
    } else if (options.include_object != "None") {
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"apiVersion", "meta.k8s.io/" + options.table_version},
                       {"metadata", meta}};
    }
    rows.push_back(std::move(row));
  }
  table["rows"] = rows;
  return table;
}

}  // namespace sluice::apiserver
