package dev.lakeml.scoring;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;

/**
 * The network of format {@value ModelManifest#DJL_MLP}: two hidden layers of the same width with
 * ReLU, then one linear output (the logit of label 1). The trainer and the scorer build it from the
 * same {@code hidden} parameter, so saved parameters load into an identical block.
 */
final class MlpBlock {
  private MlpBlock() {}

  static Block build(int hidden) {
    return new SequentialBlock()
        .add(Linear.builder().setUnits(hidden).build())
        .add(Activation::relu)
        .add(Linear.builder().setUnits(hidden).build())
        .add(Activation::relu)
        .add(Linear.builder().setUnits(1).build());
  }
}
