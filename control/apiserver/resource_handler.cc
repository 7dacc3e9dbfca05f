#include "control/apiserver/resource_handler.h"

#include <optional>
#include <random>

#include "absl/algorithm/container.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "control/apiserver/api_error.h"
#include "control/apiserver/apply.h"
#include "control/apiserver/json_yaml.h"
#include "control/apiserver/object_meta.h"
#include "control/apiserver/patch.h"
#include "control/apiserver/resources.h"
#include "control/apiserver/selector.h"
#include "control/apiserver/watch.h"
#include "control/controllers/allocators/allocation_store.h"
#include "control/status_macros.h"

namespace sluice::apiserver {
namespace {

using json = nlohmann::json;

// Patches without a resourceVersion precondition retry on a concurrent write,
// as Kubernetes' GuaranteedUpdate does.
constexpr int kPatchAttempts = 5;

json& Metadata(json& object) {
  if (!object.contains("metadata") || !object["metadata"].is_object())
    object["metadata"] = json::object();
  return object["metadata"];
}

std::string EncodeContinue(int64_t revision, const std::string& key) {
  return absl::WebSafeBase64Escape(json({{"rv", revision}, {"start", key}}).dump());
}

absl::Status DecodeContinue(const std::string& token, int64_t* revision, std::string* key) {
  std::string raw;
  if (absl::WebSafeBase64Unescape(token, &raw)) {
    json j = json::parse(raw, nullptr, false);
    if (j.is_object() && j.contains("rv") && j["rv"].is_number_integer() && j.contains("start") &&
        j["start"].is_string()) {
      *revision = j["rv"].get<int64_t>();
      *key = j["start"].get<std::string>();
      return absl::OkStatus();
    }
  }
  return BadRequestError("invalid continue token");
}

absl::Status CheckTypeMeta(const ResourceType& type, const json& object) {
  std::string kind = object.value("kind", "");
  std::string api_version = object.value("apiVersion", "");
  if ((!kind.empty() && kind != type.kind) ||
      (!api_version.empty() && api_version != type.ApiVersion()))
    return BadRequestError(absl::StrCat("the object is a ", api_version, ", Kind=", kind,
                                        "; this endpoint serves ", type.ApiVersion(),
                                        ", Kind=", type.kind));
  return absl::OkStatus();
}

// A body sent to an object's URL must name that object (or leave the
// namespace out).
absl::Status CheckNameAndNamespace(const ResourceType& type, const ResourcePath& path,
                                   const json& meta) {
  if (meta.value("name", "") != path.name)
    return BadRequestError(absl::StrCat("the name of the object (", meta.value("name", ""),
                                        ") does not match the name on the URL (", path.name, ")"));
  if (type.namespaced && !meta.value("namespace", "").empty() && meta["namespace"] != path.ns)
    return BadRequestError(
        "the namespace of the provided object does not match the namespace sent on the request");
  return absl::OkStatus();
}

// The patch itself names a resourceVersion: a precondition, so a concurrent
// write is the client's conflict and not retried. (The patched object always
// has one: it is applied to the stored object, resourceVersion and all.)
bool PatchNamesResourceVersion(absl::string_view body, PatchType type) {
  json patch = json::parse(body, nullptr, false);
  if (type == PatchType::kJson) {
    if (!patch.is_array()) return false;
    for (const json& op : patch)
      if (op.is_object() && op.value("path", json()) == "/metadata/resourceVersion") return true;
    return false;
  }
  return patch.is_object() && patch.contains("metadata") && patch["metadata"].is_object() &&
         patch["metadata"].contains("resourceVersion");
}

}  // namespace

std::string EncodeObject(json object) {
  Metadata(object).erase("resourceVersion");
  return object.dump();
}

ResourceHandler::ResourceHandler(store::Store* store, const ResourceRegistry* registry,
                                 std::function<absl::Time()> clock)
    : store_(store),
      registry_(registry),
      clock_(std::move(clock)),
      watch_lines_(std::make_shared<WatchLines>()) {}

absl::StatusOr<json> DecodeObject(const ResourceType& type, const store::KeyValue& kv) {
  json object = json::parse(kv.value, nullptr, false);
  if (object.is_discarded() || !object.is_object())
    return absl::InternalError(absl::StrCat("stored object ", kv.key, " is not JSON"));
  object["kind"] = type.kind;
  object["apiVersion"] = type.ApiVersion();
  Metadata(object)["resourceVersion"] = absl::StrCat(kv.mod_revision);
  return object;
}

absl::StatusOr<store::KeyValue> ResourceHandler::GetKv(const ResourcePath& path) {
  SLUICE_ASSIGN_OR_RETURN(auto kv, store_->Get(path.type->Key(path.ns, path.name), store::kLatest));
  if (!kv) return NotFoundError(SubjectOf(*path.type, path.name));
  return *std::move(kv);
}

absl::StatusOr<json> ResourceHandler::Get(const ResourcePath& path) {
  SLUICE_ASSIGN_OR_RETURN(store::KeyValue kv, GetKv(path));
  return DecodeObject(*path.type, kv);
}

absl::StatusOr<ResourceHandler::ListPage> ResourceHandler::WalkList(
    const ResourcePath& path, const ListParams& params,
    const std::function<absl::StatusOr<bool>(const store::KeyValue&)>& take) {
  store::ListOptions options{.prefix = path.type->ListPrefix(path.ns)};
  if (!params.continue_token.empty())
    SLUICE_RETURN_IF_ERROR(
        DecodeContinue(params.continue_token, &options.revision, &options.start_after));
  ListPage result{.revision = options.revision};
  int64_t taken = 0;
  for (;;) {
    options.limit = params.limit;
    auto page = store_->List(options);
    if (!page.ok() && store::IsCompacted(page.status()))
      return GoneError(
          "The provided continue parameter is too old to display a consistent list result. You "
          "can start a new list without the continue parameter.");
    if (!page.ok()) return page.status();
    result.revision = options.revision = page->revision;
    for (const store::KeyValue& kv : page->kvs) {
      options.start_after = kv.key;
      SLUICE_ASSIGN_OR_RETURN(bool took, take(kv));
      if (!took) continue;
      if (params.limit > 0 && ++taken == params.limit) {
        bool last_of_all = !page->more && &kv == &page->kvs.back();
        if (!last_of_all) result.continue_token = EncodeContinue(result.revision, kv.key);
        return result;
      }
    }
    if (!page->more) return result;
  }
}

absl::StatusOr<json> ResourceHandler::List(const ResourcePath& path, const ListParams& params) {
  SLUICE_ASSIGN_OR_RETURN(Selector labels, Selector::ParseLabels(params.label_selector));
  SLUICE_ASSIGN_OR_RETURN(Selector fields,
                          Selector::ParseFields(params.field_selector, path.type->field_selectors));
  json items = json::array();
  SLUICE_ASSIGN_OR_RETURN(
      ListPage page, WalkList(path, params, [&](const store::KeyValue& kv) -> absl::StatusOr<bool> {
        SLUICE_ASSIGN_OR_RETURN(json object, DecodeObject(*path.type, kv));
        if (!labels.Matches(object) || !fields.Matches(object)) return false;
        items.push_back(std::move(object));
        return true;
      }));
  json list = {{"kind", path.type->ListKind()},
               {"apiVersion", path.type->ApiVersion()},
               {"metadata", {{"resourceVersion", absl::StrCat(page.revision)}}}};
  list["items"] = std::move(items);
  if (!page.continue_token.empty()) list["metadata"]["continue"] = page.continue_token;
  return list;
}

namespace {

// How a stored object as the handler writes it starts (dump() sorts the
// keys): `{"apiVersion":"v1","kind":"Service","metadata":{`.
std::string StoredHead(const ResourceType& type) {
  return absl::StrCat(R"({"apiVersion":)", json(type.ApiVersion()).dump(), R"(,"kind":)",
                      json(type.kind).dump(), R"(,"metadata":{)");
}

// Appends the stored object with its resourceVersion (the key's mod
// revision) spliced into its metadata, without parsing it. False (nothing
// appended) for a value that does not start with `head` or names a
// resourceVersion anywhere: the caller parses those.
bool AppendStored(absl::string_view head, const store::KeyValue& kv, std::string& out) {
  absl::string_view value = kv.value;
  if (value.size() <= head.size() || !absl::StartsWith(value, head) ||
      absl::StrContains(value, "\"resourceVersion\""))
    return false;
  absl::string_view rest = value.substr(head.size());
  absl::StrAppend(&out, head, R"("resourceVersion":")", kv.mod_revision, "\"",
                  rest[0] == '}' ? "" : ",", rest);
  return true;
}

}  // namespace

absl::StatusOr<std::string> ResourceHandler::ListJson(const ResourcePath& path,
                                                      const ListParams& params) {
  SLUICE_ASSIGN_OR_RETURN(Selector labels, Selector::ParseLabels(params.label_selector));
  SLUICE_ASSIGN_OR_RETURN(Selector fields,
                          Selector::ParseFields(params.field_selector, path.type->field_selectors));
  const bool everything = params.label_selector.empty() && params.field_selector.empty();
  const ResourceType& type = *path.type;
  const std::string head = StoredHead(type);
  // The keys in the order List's json would dump them.
  std::string out =
      absl::StrCat(R"({"apiVersion":)", json(type.ApiVersion()).dump(), R"(,"items":[)");
  bool first = true;
  SLUICE_ASSIGN_OR_RETURN(
      ListPage page, WalkList(path, params, [&](const store::KeyValue& kv) -> absl::StatusOr<bool> {
        const size_t mark = out.size();
        if (!first) out += ',';
        if (!everything || !AppendStored(head, kv, out)) {
          SLUICE_ASSIGN_OR_RETURN(json object, DecodeObject(type, kv));
          if (!labels.Matches(object) || !fields.Matches(object)) {
            out.resize(mark);
            return false;
          }
          out += object.dump();
        }
        first = false;
        return true;
      }));
  json meta = {{"resourceVersion", absl::StrCat(page.revision)}};
  if (!page.continue_token.empty()) meta["continue"] = page.continue_token;
  absl::StrAppend(&out, R"(],"kind":)", json(type.ListKind()).dump(), R"(,"metadata":)",
                  meta.dump(), "}");
  return out;
}

absl::Status ResourceHandler::Admit(const ResourcePath& path, json& object, const json* old) {
  if (path.type->apply_defaults) path.type->apply_defaults(object);
  std::vector<StatusCause> causes;
  if (path.type->validate) causes = path.type->validate(object, old);
  if (!causes.empty())
    return InvalidError(SubjectOf(*path.type, Metadata(object).value("name", "")), path.type->kind,
                        std::move(causes));
  return absl::OkStatus();
}

absl::Status ResourceHandler::CheckNamespaceAccepts(const std::string& ns, const ResourcePath& path,
                                                    const std::string& name) {
  const ResourceType* namespaces = registry_->Find("", "v1", "namespaces");
  SLUICE_ASSIGN_OR_RETURN(auto kv, store_->Get(namespaces->Key("", ns), store::kLatest));
  if (!kv) return NotFoundError(SubjectOf(*namespaces, ns));
  SLUICE_ASSIGN_OR_RETURN(json namespace_object, DecodeObject(*namespaces, *kv));
  if (IsBeingDeleted(namespace_object))
    return ForbiddenError(SubjectOf(*path.type, name),
                          absl::StrCat("unable to create new content in namespace ", ns,
                                       " because it is being terminated"));
  return absl::OkStatus();
}

namespace {

// Rounds of allocation when other servers keep taking the values picked.
constexpr int kAllocationRounds = 5;

uint64_t AllocationStart(int round) {
  if (round == 0) return 0;
  std::random_device random;  // rare: only after losing a value to another server
  return (uint64_t{random()} << 32) | random();
}

bool IsRetriableAllocationConflict(const absl::Status& status, int round) {
  return controllers::IsAllocationConflict(status) && round + 1 < kAllocationRounds;
}

// The last round's conflict: 409, so that clients try again.
absl::Status AllocationConflict(const ResourceType& type, const std::string& name,
                                const absl::Status& status) {
  return ConflictError(SubjectOf(type, name), status.message());
}

}  // namespace

absl::StatusOr<json> ResourceHandler::Create(const ResourcePath& path, json object,
                                             const WriteOptions& options) {
  const ResourceType& type = *path.type;
  SLUICE_RETURN_IF_ERROR(CheckTypeMeta(type, object));
  object["kind"] = type.kind;
  object["apiVersion"] = type.ApiVersion();
  json& meta = Metadata(object);
  if (type.namespaced) {
    std::string ns = meta.value("namespace", "");
    if (!ns.empty() && ns != path.ns)
      return BadRequestError(
          "the namespace of the provided object does not match the namespace sent on the request");
    meta["namespace"] = path.ns;
  } else {
    meta.erase("namespace");
  }
  std::string generate = meta.value("generateName", "");
  if (meta.value("name", "").empty()) {
    if (generate.empty())
      return InvalidError(SubjectOf(type, ""), type.kind,
                          {{"FieldValueRequired",
                            "Required value: name or generateName is required", "metadata.name"}});
    meta["name"] = GenerateName(generate);
  }
  for (const char* server_owned : {"resourceVersion", "uid", "creationTimestamp",
                                   "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"})
    meta.erase(server_owned);
  meta["uid"] = NewUid();
  meta["creationTimestamp"] = FormatTimestamp(clock_());
  if (type.tracks_generation) meta["generation"] = 1;
  if (type.initial_status) object["status"] = type.initial_status(object);
  SLUICE_RETURN_IF_ERROR(Admit(path, object, nullptr));
  if (!options.field_manager.empty())
    SLUICE_RETURN_IF_ERROR(
        RecordUpdate(json(), object, type.kind, options.field_manager, clock_()));
  if (type.namespaced)
    SLUICE_RETURN_IF_ERROR(CheckNamespaceAccepts(path.ns, path, meta.value("name", "")));
  const json unallocated = object;
  for (int round = 0;; ++round) {
    // Held until the write is done: it keeps concurrent writes off the values.
    controllers::Reservation reserved;
    if (type.allocate) {
      SLUICE_ASSIGN_OR_RETURN(reserved,
                              type.allocate(object, json(), *store_, AllocationStart(round)));
    }
    absl::StatusOr<json> created = CreateAllocated(type, path.ns, generate, std::move(object));
    // Another server took a value this one picked: pick again.
    if (IsRetriableAllocationConflict(created.status(), round)) {
      object = unallocated;
      continue;
    }
    if (controllers::IsAllocationConflict(created.status()))
      return AllocationConflict(type, unallocated["metadata"].value("name", ""), created.status());
    return created;
  }
}

absl::StatusOr<json> ResourceHandler::CreateAllocated(const ResourceType& type,
                                                      const std::string& ns,
                                                      const std::string& generate, json object) {
  json& meta = Metadata(object);
  // A generated name may collide; Kubernetes retries it the same way.
  for (int attempt = 0;; ++attempt) {
    std::string name = meta["name"];
    auto revision = store_->Create(type.Key(ns, name), EncodeObject(object));
    if (revision.ok()) {
      meta["resourceVersion"] = absl::StrCat(*revision);
      return object;
    }
    if (revision.status().code() != absl::StatusCode::kAlreadyExists) return revision.status();
    if (generate.empty() || attempt == 4) return AlreadyExistsError(SubjectOf(type, name));
    meta["name"] = GenerateName(generate);
  }
}

absl::StatusOr<json> ResourceHandler::Replace(const ResourcePath& path, json object,
                                              const json& old, int64_t mod_revision,
                                              const std::string& manager) {
  const ResourceType& type = *path.type;
  if (path.subresource == "status") {
    // A status write takes the status alone, as Kubernetes' status strategies.
    json status = object.value("status", json());
    object = old;
    if (status.is_null())
      object.erase("status");
    else
      object["status"] = std::move(status);
  } else {
    json& meta = Metadata(object);
    const json& old_meta = old.at("metadata");
    for (const char* kept : {"uid", "creationTimestamp", "namespace", "name", "generation",
                             "deletionTimestamp", "deletionGracePeriodSeconds"})
      if (old_meta.contains(kept))
        meta[kept] = old_meta[kept];
      else
        meta.erase(kept);
    if (type.has_status) {
      if (old.contains("status"))
        object["status"] = old["status"];
      else
        object.erase("status");
    }
    if (type.carry_over) type.carry_over(object, old);
  }
  json& meta = Metadata(object);
  SLUICE_RETURN_IF_ERROR(Admit(path, object, &old));
  if (!manager.empty() && path.subresource.empty())
    SLUICE_RETURN_IF_ERROR(RecordUpdate(old, object, type.kind, manager, clock_()));
  else if (!meta.contains("managedFields") && old.at("metadata").contains("managedFields"))
    meta["managedFields"] = old["metadata"]["managedFields"];
  if (IsBeingDeleted(old))
    for (const json& f : ArrayAt(object, "/metadata/finalizers"))
      if (!absl::c_linear_search(ArrayAt(old, "/metadata/finalizers"), f))
        return InvalidError(SubjectOf(type, path.name), type.kind,
                            {{"FieldValueForbidden",
                              "Forbidden: no new finalizers can be added if the object is being "
                              "deleted",
                              "metadata.finalizers"}});
  if (type.tracks_generation && object.value("spec", json()) != old.value("spec", json()))
    meta["generation"] = old["metadata"].value("generation", 0) + 1;
  meta.erase("resourceVersion");
  json old_plain = old;
  Metadata(old_plain).erase("resourceVersion");
  const json unallocated = object;
  absl::StatusOr<store::WriteResult> written;
  for (int round = 0;; ++round) {
    // Held until the write is done: it keeps concurrent writes off the values.
    controllers::Reservation reserved;
    if (type.allocate) {
      SLUICE_ASSIGN_OR_RETURN(reserved,
                              type.allocate(object, old, *store_, AllocationStart(round)));
    }
    if (object == old_plain) {
      // Nothing changed: no write and no event, as Kubernetes skips no-op updates.
      return old;
    }
    written = WriteOrFinish(type.Key(path.ns, path.name), object, mod_revision);
    // Another server took a value this one picked: pick again.
    if (!IsRetriableAllocationConflict(written.status(), round)) break;
    object = unallocated;
  }
  if (controllers::IsAllocationConflict(written.status()))
    return AllocationConflict(type, path.name, written.status());
  SLUICE_ASSIGN_OR_RETURN(store::WriteResult result, std::move(written));
  if (!result.succeeded) {
    if (!result.kv) return NotFoundError(SubjectOf(type, path.name));
    return ConflictError(SubjectOf(type, path.name),
                         "the object has been modified; please apply your changes to the latest "
                         "version and try again");
  }
  Metadata(object)["resourceVersion"] = absl::StrCat(result.revision);
  return object;
}

absl::StatusOr<json> ResourceHandler::Update(const ResourcePath& path, json object,
                                             const WriteOptions& options) {
  const ResourceType& type = *path.type;
  SLUICE_RETURN_IF_ERROR(CheckTypeMeta(type, object));
  object["kind"] = type.kind;
  object["apiVersion"] = type.ApiVersion();
  json& meta = Metadata(object);
  SLUICE_RETURN_IF_ERROR(CheckNameAndNamespace(type, path, meta));
  SLUICE_ASSIGN_OR_RETURN(store::KeyValue kv, GetKv(path));
  SLUICE_ASSIGN_OR_RETURN(json old, DecodeObject(type, kv));
  int64_t expected = kv.mod_revision;
  std::string rv = meta.value("resourceVersion", "");
  // An update without resourceVersion is unconditional, as these types allow.
  if (!rv.empty() && (!absl::SimpleAtoi(rv, &expected) || expected <= 0))
    return BadRequestError(absl::StrCat("invalid resourceVersion \"", rv, "\""));
  if (expected != kv.mod_revision)
    return ConflictError(SubjectOf(type, path.name),
                         "the object has been modified; please apply your changes to the latest "
                         "version and try again");
  return Replace(path, std::move(object), old, expected, options.field_manager);
}

absl::StatusOr<json> RetryPatch(
    const std::function<absl::StatusOr<json>(bool* precondition)>& attempt) {
  for (int n = 1;; ++n) {
    bool precondition = false;
    absl::StatusOr<json> result = attempt(&precondition);
    bool conflict = !result.ok() && StatusBody(result.status()).value("reason", "") == "Conflict";
    if (!conflict || precondition || n == kPatchAttempts) return result;
  }
}

absl::StatusOr<json> ResourceHandler::Patch(const ResourcePath& path, absl::string_view body,
                                            absl::string_view content_type,
                                            const WriteOptions& options, bool* created) {
  SLUICE_ASSIGN_OR_RETURN(PatchType patch_type, PatchTypeOf(content_type));
  if (patch_type == PatchType::kApply) return Apply(path, body, options, created);
  return RetryPatch([&](bool* precondition) -> absl::StatusOr<json> {
    SLUICE_ASSIGN_OR_RETURN(store::KeyValue kv, GetKv(path));
    SLUICE_ASSIGN_OR_RETURN(json old, DecodeObject(*path.type, kv));
    SLUICE_ASSIGN_OR_RETURN(json patched, ApplyPatch(old, body, patch_type, path.type->kind));
    if (!patched.is_object()) return BadRequestError("the patched object is not a JSON object");
    SLUICE_RETURN_IF_ERROR(CheckTypeMeta(*path.type, patched));
    std::string rv = Metadata(patched).value("resourceVersion", "");
    *precondition = PatchNamesResourceVersion(body, patch_type);
    if (!rv.empty() && rv != old["metadata"]["resourceVersion"])
      return ConflictError(SubjectOf(*path.type, path.name),
                           "the object has been modified; please apply your changes to the "
                           "latest version and try again");
    return Replace(path, std::move(patched), old, kv.mod_revision, options.field_manager);
  });
}

absl::StatusOr<json> ResourceHandler::Apply(const ResourcePath& path, absl::string_view body,
                                            const WriteOptions& options, bool* created) {
  const ResourceType& type = *path.type;
  if (!path.subresource.empty())
    return UnsupportedMediaTypeError("application/apply-patch+yaml on a subresource");
  if (options.field_manager.empty())
    return BadRequestError("PATCH with an apply patch requires a non-empty fieldManager");
  SLUICE_ASSIGN_OR_RETURN(json applied, ParseBody(body, "application/apply-patch+yaml"));
  if (!applied.is_object()) return BadRequestError("the applied configuration is not an object");
  if (!applied.contains("kind") || !applied.contains("apiVersion"))
    return BadRequestError("the applied configuration must name its apiVersion and kind");
  SLUICE_RETURN_IF_ERROR(CheckTypeMeta(type, applied));
  json& meta = Metadata(applied);
  SLUICE_RETURN_IF_ERROR(CheckNameAndNamespace(type, path, meta));
  return RetryPatch([&](bool* precondition) -> absl::StatusOr<json> {
    ApplyRequest request{.manager = options.field_manager,
                         .force = options.force,
                         .api_version = type.ApiVersion(),
                         .now = clock_()};
    std::vector<ApplyConflict> conflicts;
    SLUICE_ASSIGN_OR_RETURN(auto kv, store_->Get(type.Key(path.ns, path.name), store::kLatest));
    if (!kv) {
      SLUICE_ASSIGN_OR_RETURN(
          json object, MergeApplied(json::object(), applied, type.kind, request, &conflicts));
      absl::StatusOr<json> made = Create(path, std::move(object));
      if (made.ok() && created != nullptr) *created = true;
      return made;
    }
    SLUICE_ASSIGN_OR_RETURN(json old, DecodeObject(type, *kv));
    std::string rv = meta.value("resourceVersion", "");
    *precondition = !rv.empty();
    if (!rv.empty() && rv != old["metadata"]["resourceVersion"])
      return ConflictError(SubjectOf(type, path.name),
                           "the object has been modified; please apply your changes to the "
                           "latest version and try again");
    SLUICE_ASSIGN_OR_RETURN(json merged,
                            MergeApplied(old, applied, type.kind, request, &conflicts));
    if (!conflicts.empty()) {
      *precondition = true;  // the same answer on every attempt
      std::vector<StatusCause> causes;
      for (const ApplyConflict& c : conflicts)
        causes.push_back(
            {"FieldManagerConflict", absl::StrCat("conflict with \"", c.manager, "\""), c.field});
      return ApplyConflictError(SubjectOf(type, path.name), std::move(causes));
    }
    return Replace(path, std::move(merged), old, kv->mod_revision, "");
  });
}

absl::Status ResourceHandler::EnsureSystemNamespaces() {
  const ResourceType* namespaces = registry_->Find("", "v1", "namespaces");
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    ResourcePath path{.type = namespaces, .ns = "", .name = name};
    SLUICE_ASSIGN_OR_RETURN(auto kv, store_->Get(namespaces->Key("", name), store::kLatest));
    if (kv) continue;
    auto created = Create(path, json{{"metadata", {{"name", name}}}});
    if (!created.ok() && created.status().code() != absl::StatusCode::kAlreadyExists)
      return created.status();
  }
  return absl::OkStatus();
}

}  // namespace sluice::apiserver
