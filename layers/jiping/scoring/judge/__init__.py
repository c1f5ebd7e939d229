"""The behaviourally anchored judge (scoring-v2): checks, the language model, grounding, calibration."""
