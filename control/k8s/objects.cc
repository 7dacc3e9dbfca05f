#include "control/k8s/objects.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "control/k8s/endpoint_slice_parser.h"
#include "control/k8s/field_reader.h"
#include "control/k8s/service_parser.h"
#include "control/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace sluice::k8s {
namespace {

constexpr absl::string_view kServiceApiVersion = "v1";
constexpr absl::string_view kEndpointSliceApiVersion = "discovery.k8s.io/v1";

// Collects the objects of one input and remembers where each Service and
// EndpointSlice came from, to name both places when one appears twice.
class Loader {
 public:
  Objects& objects() { return objects_; }
  void set_document(std::string label) { document_ = std::move(label); }

  // Adds `object`, or the items of a list (List, ServiceList, ...).
  // `kind_of_items` is the kind a typed list implies: the API server leaves
  // kind out of the items of a ServiceList; kubectl fills it in.
  absl::Status Add(const FieldReader& object, absl::string_view kind_of_items) {
    std::string kind, api_version;
    SLUICE_RETURN_IF_ERROR(object.ReadString("kind", &kind));
    SLUICE_RETURN_IF_ERROR(object.ReadString("apiVersion", &api_version));
    if (kind.empty()) kind = std::string(kind_of_items);
    if (kind.empty()) return object.ErrorAt("kind", "required");
    if (absl::EndsWith(kind, "List")) {
      const std::string item_kind =
          kind == "List" ? "" : std::string(absl::StripSuffix(kind, "List"));
      return object.ForEachObject("items",
                                  [&](const FieldReader& item) { return Add(item, item_kind); });
    }
    const bool core_version = api_version.empty() || api_version == kServiceApiVersion;
    if (kind == "Service" && core_version) return AddService(object);
    if (kind == "EndpointSlice") {
      if (api_version.empty() || api_version == kEndpointSliceApiVersion) {
        return AddEndpointSlice(object);
      }
      // v1beta1 kept topology in another shape; silently skipping it would
      // leave services without backends.
      if (absl::StartsWith(api_version, "discovery.k8s.io/")) {
        return object.ErrorAt("apiVersion",
                              absl::StrCat("\"", api_version, "\" is not supported; want \"",
                                           kEndpointSliceApiVersion, "\""));
      }
    }
    // Another group's kind of the same name (Knative's Service) is not ours.
    const bool clash = kind == "Service" || kind == "EndpointSlice";
    ++objects_.ignored_kinds[clash ? absl::StrCat(kind, " (", api_version, ")") : kind];
    return absl::OkStatus();
  }

 private:
  absl::Status AddService(const FieldReader& object) {
    SLUICE_ASSIGN_OR_RETURN(Service service, ParseService(object));
    SLUICE_RETURN_IF_ERROR(CheckFirst("Service", service.metadata, object, &service_places_));
    objects_.services.push_back(std::move(service));
    return absl::OkStatus();
  }

  absl::Status AddEndpointSlice(const FieldReader& object) {
    SLUICE_ASSIGN_OR_RETURN(EndpointSlice slice, ParseEndpointSlice(object));
    SLUICE_RETURN_IF_ERROR(CheckFirst("EndpointSlice", slice.metadata, object, &slice_places_));
    objects_.endpoint_slices.push_back(std::move(slice));
    return absl::OkStatus();
  }

  // A second copy of an object (two kubectl outputs pasted together) would
  // make the model depend on which copy wins.
  absl::Status CheckFirst(absl::string_view kind, const ObjectMeta& meta, const FieldReader& object,
                          std::map<std::string, std::string>* places) {
    const std::string key = absl::StrCat(meta.namespace_name, "/", meta.name);
    std::string place = document_;
    if (!object.path().empty()) absl::StrAppend(&place, place.empty() ? "" : ", ", object.path());
    auto [it, inserted] = places->emplace(key, place);
    if (inserted) return absl::OkStatus();
    return FieldError(
        object.PathOf("metadata.name"),
        absl::StrCat(kind, " ", key, " appears twice",
                     it->second.empty() ? "" : absl::StrCat(" (also ", it->second, ")")));
  }

  Objects objects_;
  std::string document_;
  std::map<std::string, std::string> service_places_;
  std::map<std::string, std::string> slice_places_;
};

absl::Status SyntaxError(absl::string_view source, const YAML::Exception& e) {
  // yaml-cpp counts lines and columns from 0; editors count from 1.
  return absl::InvalidArgumentError(absl::StrCat(
      source, ":", e.mark.line + 1, ":", e.mark.column + 1, ": YAML syntax error: ", e.msg));
}

absl::Status AddDocument(const YAML::Node& document, Loader& loader) {
  if (!document.IsMap())
    return absl::InvalidArgumentError("expected a Kubernetes object (a mapping)");
  SLUICE_ASSIGN_OR_RETURN(FieldReader object, FieldReader::Create(document, ""));
  return loader.Add(object, "");
}

absl::Status FileError(absl::string_view path, int error) {
  const std::string message = absl::StrCat(path, ": cannot read: ", std::strerror(error));
  if (error == ENOENT) return absl::NotFoundError(message);
  if (error == EACCES) return absl::PermissionDeniedError(message);
  return absl::FailedPreconditionError(message);
}

// POSIX rather than std::ifstream, which opens a directory and then reads
// nothing, and loses errno on the way.
absl::StatusOr<std::string> ReadFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileError(path, errno);
  std::string text;
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      close(fd);
      return FileError(path, error);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

}  // namespace

size_t Objects::IgnoredCount() const {
  size_t count = 0;
  for (const auto& [kind, n] : ignored_kinds) count += n;
  return count;
}

absl::StatusOr<Objects> LoadObjectsText(absl::string_view text, absl::string_view source_name) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return SyntaxError(source_name, e);
  }
  Loader loader;
  for (size_t i = 0; i < documents.size(); ++i) {
    const YAML::Node& document = documents[i];
    if (!document.IsDefined() || document.IsNull()) continue;  // "---" with nothing after it
    const std::string label = documents.size() > 1 ? absl::StrCat("document ", i + 1) : "";
    loader.set_document(label);
    absl::Status status;
    // The readers check each node's shape before using it; this catch is the
    // boundary for anything yaml-cpp throws regardless.
    try {
      status = AddDocument(document, loader);
    } catch (const YAML::Exception& e) {
      status = absl::InvalidArgumentError(e.what());
    }
    if (!status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          source_name, ": ", label.empty() ? "" : absl::StrCat(label, ": "), status.message()));
    }
  }
  return std::move(loader.objects());
}

absl::StatusOr<Objects> LoadObjectsFile(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return LoadObjectsText(text, path);
}

}  // namespace sluice::k8s
