package dev.cir.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TrainingPresetsTest {
  @Test
  void anUnsetFieldIsOff() {
    TrainingPreset p = TrainingPreset.builder().epochs(3).lr(2e-5).build();
    assertEquals(3, p.epochs());
    assertEquals(2e-5, p.lr());
    assertEquals(0, p.warmupSteps());
    assertFalse(p.cosine());
    assertEquals(0, p.clipNorm());
    assertEquals(0, p.hardNegatives());
    assertEquals(1, p.validateEvery());
    assertEquals(0, p.stepsPerEpoch());
    assertFalse(p.galleryNegatives());
    assertEquals(0, p.minedNegatives());
    assertFalse(p.startAtSum());
  }

  @Test
  void theArchitectureNamedTinyTakesTheSyntheticPresetAndEveryOtherClip4Cirs() {
    assertEquals("tiny-synthetic", TrainingPresets.forArchitecture("TINY").name());
    assertEquals("clip4cir", TrainingPresets.forArchitecture("ViT-B/32").name());
    assertEquals("clip4cir", TrainingPresets.forArchitecture("RN50x4").name());
  }

  @Test
  void clip4cirsCombinerIsThePapersAndTheTinyOneRanksAMinedGallerySample() {
    TrainingPreset paper = TrainingPresets.clip4cir().combiner();
    // combiner_train.py: random start, the batch's targets as the only candidates
    assertFalse(paper.galleryNegatives());
    assertFalse(paper.startAtSum());
    assertEquals(0, paper.minedNegatives());
    assertEquals(0, paper.hardNegatives());
    TrainingPreset tiny = TrainingPresets.tinySynthetic().combiner();
    assertTrue(tiny.galleryNegatives());
    assertTrue(tiny.startAtSum());
    assertTrue(tiny.minedNegatives() > 0 && tiny.minedNegatives() < tiny.gallerySample());
  }
}
