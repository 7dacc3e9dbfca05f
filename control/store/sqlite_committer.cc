#include "control/store/sqlite_committer.h"

#include <utility>

namespace sluice::store::sqlite {

Committer::Committer(std::unique_ptr<Writer> writer, Publish publish, Options options)
    : writer_(std::move(writer)),
      publish_(std::move(publish)),
      options_(options),
      thread_([this] { Run(); }) {}

Committer::~Committer() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

Applied Committer::Submit(const WriteOp& op) {
  Pending pending(&op);
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return Applied{.result = absl::CancelledError("the store is closed")};
    queue_.push_back(&pending);
  }
  pending.done.WaitForNotification();
  return std::move(pending.applied);
}

void Committer::Run() {
  while (true) {
    std::vector<Pending*> batch;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &Committer::HasWork));
      if (queue_.empty()) return;  // stopping, and nothing left to answer
      size_t bytes = 0;
      while (!queue_.empty() && batch.size() < options_.max_batch_ops) {
        const WriteOp& op = *queue_.front()->op;
        size_t op_bytes = op.key.size() + op.value.size();
        if (op.txn != nullptr)
          for (const TxnOp& t : *op.txn) op_bytes += t.key.size() + t.value.size();
        if (!batch.empty() && bytes + op_bytes > options_.max_batch_bytes) break;
        bytes += op_bytes;
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    CommitBatch(batch);
  }
}

void Committer::CommitBatch(const std::vector<Pending*>& batch) {
  const int64_t compacted_before = writer_->compacted();
  std::vector<Applied> applied;
  applied.reserve(batch.size());
  absl::Status status = writer_->Begin();
  if (status.ok()) {
    for (Pending* pending : batch) applied.push_back(writer_->Apply(*pending->op));
    status = writer_->Commit();
    if (!status.ok()) writer_->Rollback();
  }
  if (!status.ok()) {
    // Nothing of the batch is durable; no writer may be told otherwise.
    for (Pending* pending : batch) {
      pending->applied.result = status;
      pending->done.Notify();
    }
    return;
  }
  commits_.fetch_add(1, std::memory_order_relaxed);
  ops_.fetch_add(static_cast<int64_t>(batch.size()), std::memory_order_relaxed);
  std::vector<Event> events;
  for (Applied& one : applied) {
    for (Event& event : one.events) events.push_back(std::move(event));
    one.events.clear();
  }
  // Watchers hear of the writes before the writers are answered, so that a
  // writer that then watches from its own revision misses nothing.
  if (!events.empty() || writer_->compacted() != compacted_before) {
    publish_(std::move(events), writer_->revision(), writer_->compacted());
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i]->applied = std::move(applied[i]);
    batch[i]->done.Notify();
  }
}

}  // namespace sluice::store::sqlite
