// The prefetching loader (see loader.h for the design).
#include "data/loader.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "data/random.h"
#include "distributed/communicator.h"
#include "tensor/staging_buffer.h"

namespace hg::data {

namespace {

size_t round_up_64(size_t bytes) { return (bytes + 63) / 64 * 64; }

// One prefetch slot: a host buffer holding a whole batch, laid out as
//   [images: B × the image stage's floats][labels: B·num_classes f32][class ids: B i64]
// each part starting on a 64-byte boundary.
struct Slot {
  std::unique_ptr<StagingBuffer> buffer;
  int64_t batch = -1;       // the batch this slot holds, or is to hold next
  bool ready = false;       // filled by a worker and not yet handed out
  int64_t count = 0;        // items in the batch (the last one may be short)
  int64_t batch_items = 0;  // of the whole batch, all shares (LoaderOptions::shares)
  std::vector<int64_t> indices;
  std::exception_ptr error;
};

}  // namespace

struct Loader::State {
  std::shared_ptr<const Dataset> dataset;
  Pipeline pipeline;
  std::unique_ptr<ImageStage> stage;
  LoaderOptions options;
  ImageSize output;
  int num_classes = 0;
  size_t image_floats = 0, labels_offset = 0, ids_offset = 0, slot_bytes = 0;

  std::vector<Slot> slots;
  std::vector<int64_t> order;  // the items of this epoch, in visiting order
  int64_t epoch = -1, num_batches = 0;
  int64_t next_to_claim = 0, next_to_take = 0;
  bool stopping = false;
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::thread> workers;

  // Stops the workers before the slots they fill go away.
  ~State();
  void work();
  void fill(int64_t batch, size_t slot_index);
  void stop_workers();
};

Loader::State::~State() { stop_workers(); }

void Loader::State::fill(int64_t batch, size_t slot_index) {
  Slot& slot = slots[slot_index];
  const int64_t whole_begin = batch * options.batch_size;
  slot.batch_items =
      std::min<int64_t>(whole_begin + options.batch_size, order.size()) - whole_begin;
  const int64_t begin =
      whole_begin + distributed::share_begin(slot.batch_items, options.shares, options.share);
  const int64_t end =
      whole_begin + distributed::share_begin(slot.batch_items, options.shares, options.share + 1);
  unsigned char* buffer = slot.buffer->data();
  auto* images = reinterpret_cast<float*>(buffer);
  auto* labels = reinterpret_cast<float*>(buffer + labels_offset);
  auto* ids = reinterpret_cast<int64_t*>(buffer + ids_offset);
  const uint64_t epoch_seed = derive_seed(options.seed, static_cast<uint64_t>(epoch));
  slot.indices.assign(order.begin() + begin, order.begin() + end);
  slot.count = end - begin;
  for (int64_t k = 0; k < slot.count; ++k) {
    const int64_t index = slot.indices[k];
    Random random(derive_seed(epoch_seed, static_cast<uint64_t>(index)));
    stage->prepare(slot_index, k, index, random, images + k * image_floats);
    const Labels& all = dataset->labels();
    const std::vector<uint8_t> row = all.row(index);
    std::copy(row.begin(), row.end(), labels + k * num_classes);
    ids[k] = all.multi_label() ? -1 : all.class_id(index);
  }
}

void Loader::State::work() {
  for (;;) {
    int64_t batch;
    size_t slot_index;
    Slot* slot;
    {
      std::unique_lock<std::mutex> lock(mutex);
      if (stopping || next_to_claim >= num_batches) return;
      batch = next_to_claim++;
      slot_index = static_cast<size_t>(batch) % slots.size();
      slot = &slots[slot_index];
      // The slot is free for this batch once the consumer has taken the batch before it.
      changed.wait(lock, [&] { return stopping || (slot->batch == batch && !slot->ready); });
      if (stopping) return;
    }
    try {
      // The previous batch's asynchronous copy may still be reading the buffer.
      slot->buffer->wait_until_read();
      fill(batch, slot_index);
    } catch (...) {
      slot->error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      slot->ready = true;
    }
    changed.notify_all();
  }
}

void Loader::State::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  changed.notify_all();
  for (std::thread& worker : workers) worker.join();
  workers.clear();
  stopping = false;
}

Loader::Loader(std::shared_ptr<const Dataset> dataset, Pipeline pipeline, LoaderOptions options)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  HG_CHECK(dataset != nullptr && dataset->size() > 0, "loader: the dataset ",
           dataset ? dataset->name() : "(none)", " is empty");
  HG_CHECK(options.batch_size > 0 && options.workers > 0 && options.prefetch > 0,
           "loader: batch_size, workers and prefetch must be positive, got ", options.batch_size,
           ", ", options.workers, ", ", options.prefetch);
  HG_CHECK(device_available(options.device),
           "loader: batches for the GPU asked for, but hashgrad sees ", gpu_description());
  s.dataset = std::move(dataset);
  s.pipeline = std::move(pipeline);
  s.options = options;
  s.output = s.pipeline.output_size(s.dataset->image_size());
  s.num_classes = s.dataset->num_classes();
  const size_t batch = static_cast<size_t>(options.batch_size);
  const size_t slot_count = static_cast<size_t>(std::max(options.prefetch, options.workers));
  s.stage = make_image_stage(options.image_pipeline, s.dataset, s.pipeline, s.output, slot_count,
                             options.batch_size, options.device);
  s.image_floats = s.stage->host_floats_per_item();
  s.labels_offset = round_up_64(batch * s.image_floats * sizeof(float));
  s.ids_offset = s.labels_offset + round_up_64(batch * s.num_classes * sizeof(float));
  s.slot_bytes = s.ids_offset + batch * sizeof(int64_t);
  s.slots.resize(slot_count);
  for (Slot& slot : s.slots)
    slot.buffer = std::make_unique<StagingBuffer>(s.slot_bytes, options.device);
}

Loader::~Loader() = default;

int64_t Loader::batches_per_epoch() const {
  const int64_t items = state_->dataset->size(), batch = state_->options.batch_size;
  return state_->options.drop_last ? items / batch : (items + batch - 1) / batch;
}

ImageSize Loader::output_size() const { return state_->output; }

void Loader::start_epoch(int64_t epoch) {
  State& s = *state_;
  s.stop_workers();
  s.epoch = epoch;
  s.order.resize(static_cast<size_t>(s.dataset->size()));
  for (size_t i = 0; i < s.order.size(); ++i) s.order[i] = static_cast<int64_t>(i);
  if (s.options.shuffle) {
    Random random(derive_seed(s.options.seed, static_cast<uint64_t>(epoch)));
    random.shuffle(s.order);
  }
  s.num_batches = batches_per_epoch();
  s.next_to_claim = s.next_to_take = 0;
  for (size_t i = 0; i < s.slots.size(); ++i) {
    s.slots[i].batch = static_cast<int64_t>(i);
    s.slots[i].ready = false;
    s.slots[i].error = nullptr;
  }
  const int threads = static_cast<int>(std::min<int64_t>(s.options.workers, s.num_batches));
  for (int t = 0; t < threads; ++t) s.workers.emplace_back([&s] { s.work(); });
}

bool Loader::next(Batch& batch) {
  State& s = *state_;
  if (s.epoch < 0) start_epoch(0);
  if (s.next_to_take >= s.num_batches) return false;
  const int64_t number = s.next_to_take;
  const size_t slot_index = static_cast<size_t>(number) % s.slots.size();
  Slot& slot = s.slots[slot_index];
  {
    std::unique_lock<std::mutex> lock(s.mutex);
    s.changed.wait(lock, [&] { return slot.batch == number && slot.ready; });
  }
  if (slot.error) {
    std::exception_ptr error = slot.error;
    s.stop_workers();
    s.next_to_take = s.num_batches;  // the epoch ends with the error
    std::rethrow_exception(error);
  }
  const int64_t count = slot.count;
  const Device device = s.options.device;
  const bool single_label = !s.dataset->multi_label();
  batch.images = s.stage->images(slot_index, count, *slot.buffer);
  batch.labels = Tensor::empty({count, s.num_classes}, DType::f32, device);
  batch.class_ids = single_label ? Tensor::empty({count}, DType::i64, device) : Tensor();
  batch.indices = slot.indices;
  batch.batch_items = slot.batch_items;
  struct Part {
    const Tensor& tensor;
    size_t offset, bytes;
  };
  const Part parts[] = {{batch.labels, s.labels_offset, count * s.num_classes * sizeof(float)},
                        {batch.class_ids, s.ids_offset, count * sizeof(int64_t)}};
  for (const Part& part : parts) {
    if (part.tensor.defined()) slot.buffer->copy_to(part.tensor, part.offset, part.bytes);
  }
  slot.buffer->end_batch();
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    slot.ready = false;
    slot.batch = number + static_cast<int64_t>(s.slots.size());
  }
  s.changed.notify_all();
  ++s.next_to_take;
  return true;
}

}  // namespace hg::data
