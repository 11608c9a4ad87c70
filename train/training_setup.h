// TrainingSetup: every setting of a training run, read from a Config (configs/*.conf plus
// --set overrides) with its default, in one place. The trainer reads nothing else; the
// resolved values are what the run directory's config.txt records.
#pragma once

#include <string>

#include "autograd/mixed_precision.h"
#include "data/protocol.h"
#include "data/transforms.h"
#include "hashing/hash_head.h"
#include "hashing/objective.h"
#include "layers/models/backbone.h"
#include "train/config.h"
#include "train/lr_schedule.h"
#include "train/step_capture_policy.h"
#include "train/training_strategy.h"

namespace hg {

struct TrainingSetup {
  std::string method = "custom";  // the method's name, for logs and tables

  // data (DESIGN §5)
  data::ProtocolConfig protocol;
  // How images become the model's input (train/input_pipelines.h)
  std::string augment = "none";  // none | crop_flip (random crop with padding 4, h-flip)
  int64_t image_size = 0;        // resize images to image_size² (0: as stored)
  std::string train_transforms, eval_transforms;  // data/transform_spec.h text
  std::string normalization;  // imagenet | dataset | values (then in normalization_values)
  data::Normalization normalization_values;

  // model
  std::string backbone = "cnn5";
  BackboneOptions backbone_options;
  int64_t bits = 48;
  hashing::HashActivation activation = hashing::HashActivation::tanh;
  std::string pretrained;  // safetensors with the backbone's torchvision/timm names, or ""

  // loss composition and training strategy
  hashing::ObjectiveConfig objective;
  StrategyKind strategy = StrategyKind::pointwise;  // strategy_kind(objective)
  // A round is one epoch over the training set (pointwise, pairwise) or, for the asymmetric
  // strategy, one ADSH outer iteration: `epochs_per_round` epochs over a sample of
  // `sample_size` training points, then the update of the database codes V. rounds = 0 writes
  // the run (model, codes, metrics) of the untrained model: the pretrained features' baseline.
  int64_t rounds = 10;
  int64_t epochs_per_round = 1;
  int64_t sample_size = 0;  // 0: the whole training set each round
  int64_t batch_size = 64;

  // optimisation
  std::string optimizer = "adam";
  double learning_rate = 1e-3, weight_decay = 0, momentum = 0.9;
  LrSchedule schedule;        // evaluated per round
  double clip_grad_norm = 0;  // 0: no clipping

  // runtime
  uint64_t seed = 0;
  std::string device = "auto";
  bool deterministic = false;
  // Under mpirun: BatchNorm statistics over the whole batch of every rank (layers/batch_norm.h)
  // instead of each process's share.
  bool sync_batch_norm = false;
  // bf16: the training steps' matrix products and convolutions read bf16 operands and sum in
  // f32 (autograd/mixed_precision.h); evaluation and the codes a run writes stay f32.
  Precision precision = Precision::f32;
  // Training steps captured as a CUDA graph and replayed (train/step_capture_policy.h): auto
  // where the step allows it on the GPU, on (an error where it does not), off. Off by default
  // until the capture has been checked on a GPU (tests/cuda_graph_training_test.cpp).
  CudaGraphSetting cuda_graph = CudaGraphSetting::off;
  int workers = 2;
  // Where training images are decoded and augmented (data/image_stage.h): cpu, gpu (nvJPEG and
  // the augmentation kernel), or auto: gpu when training on the GPU with nvJPEG in the build.
  // cpu by default while the GPU pipeline has not yet run on a GPU.
  std::string image_pipeline = "cpu";
  int64_t eval_every = 0;  // rounds between evaluations on a query subset (0: final only)
  int64_t eval_queries = 1000;
  int64_t checkpoint_every = 1;  // rounds between checkpoints
  int64_t top_k = 1000;          // P@k and recall@k of the final evaluation
  int64_t gallery_queries = 8;   // queries shown in gallery.html (0: no gallery)
};

// Reads every key (training_setup.cpp's read_* steps list them); throws naming a bad key or
// value, and naming keys that no setting reads.
TrainingSetup read_training_setup(const Config& config);

}  // namespace hg
