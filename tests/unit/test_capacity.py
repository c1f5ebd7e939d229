"""The capacity and cost model of a campus peak (``jiping capacity``)."""

from __future__ import annotations

import pytest

from infra import capacity, constants
from infra.cli import main


def test_gpu_hours_follow_audio_rtf_and_per_job_overhead() -> None:
    p = capacity.plan(12_000, 15, "g6.xlarge", answers=1)
    a = {x.name: float(x.value) for x in p.assumptions if isinstance(x.value, int | float)}
    per_interview = 900 * a["asr_gpu_rtf"] + a["gpu_job_overhead_s"]
    assert p.figures["gpu_s_per_interview"] == pytest.approx(per_interview, abs=0.05)
    assert p.figures["gpu_hours"] == pytest.approx(12_000 * per_interview / 3600, abs=0.05)
    assert p.figures["audio_hours"] == 3000.0
    assert p.figures["cost_usd_gpu"] == pytest.approx(
        p.figures["gpu_hours"] * a["gpu_usd_per_hour"], abs=0.05
    )


def test_too_few_gpus_leave_a_backlog_and_name_the_lever() -> None:
    tight = capacity.plan(12_000, 15, "g6.xlarge", answers=1, max_vcpus=64)
    assert tight.figures["backlog_at_end_of_window"] > 0 and tight.figures["hours_to_drain"] > 10
    assert any("raise jiping:gpuMaxVcpus from 64 to" in lever for lever in tight.levers)
    roomy = capacity.plan(12_000, 15, "g6.xlarge", answers=1, max_vcpus=256)
    assert roomy.figures["backlog_at_end_of_window"] == 0
    assert roomy.figures["hours_to_drain"] == pytest.approx(10, abs=0.1)
    assert not any("raise jiping:gpuMaxVcpus" in lever for lever in roomy.levers)


def test_short_clips_go_to_lambda_and_need_no_gpu() -> None:
    limit = float(str(constants.DEFAULTS["jiping:shortClipMaxSeconds"]))
    p = capacity.plan(1000, 10, "g5.xlarge", answers=int(600 // limit) + 1)
    assert p.figures["gpu_hours"] == 0 and p.figures["cost_usd_gpu"] == 0
    assert (
        p.figures["cost_usd_lambda"]
        > capacity.plan(1000, 10, "g5.xlarge", answers=1).figures["cost_usd_lambda"]
    )


def test_many_clips_per_interview_show_the_job_overhead_lever() -> None:
    p = capacity.plan(12_000, 15, "g6.xlarge", answers=6)
    assert p.figures["gpu_job_overhead_share"] > 0.5
    assert any("job start and model load" in lever for lever in p.levers)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown GPU"):
        capacity.plan(10, 15, "p5.48xlarge")
    with pytest.raises(ValueError):
        capacity.plan(0, 15, "g6.xlarge")


def test_the_cli_prints_figures_levers_and_every_assumption_with_its_source(capsys) -> None:
    assert main(["capacity", "--interviews", "12000", "--minutes", "15", "--gpu", "g6.xlarge"]) == 0
    out = capsys.readouterr().out
    assert "gpu_hours" in out and "Levers:" in out and "Assumptions" in out
    assert all(
        f"{a.name} = " in out and a.source in out for a in capacity.plan(12_000, 15, "g6.xlarge").assumptions
    )
    assert main(["capacity", "--gpu-price", "0.5", "--json"]) == 0
    assert '"gpu_usd_per_hour"' in capsys.readouterr().out
