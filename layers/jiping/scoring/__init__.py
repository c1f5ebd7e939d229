"""Scoring: answer features, the behaviourally anchored judge, evidence, reasons, re-scoring."""
