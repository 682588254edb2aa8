"""DeepMimic clips from pybullet's wheel: reading, resampling and forward kinematics checked against
pybullet itself (DIRECT mode, no window) and the bones against Human3.6M's proportions."""

from __future__ import annotations

import json

import numpy as np
import pytest

from posemamba.data import deepmimic, humanoid, mocap
from posemamba.errors import MotionDataError
from posemamba.keypoints import H36M_JOINTS


def test_the_wheel_ships_20_humanoid_clips_with_the_frame_counts_the_research_lists():
    motions = deepmimic.load_motions()
    assert len(motions) == 20
    humanoid3d = {k: v for k, v in motions.items() if not k.startswith("walker/")}
    # shared/research/posemamba-training.md section 8: 15 clips, 1,620 frames, walk 39, backflip 29
    assert len(humanoid3d) == 15
    assert sum(len(m.frames) for m in humanoid3d.values()) == 1620
    assert (len(motions["walk"].frames), len(motions["backflip"].frames)) == (39, 29)
    assert all(len(m.frames) == 38 for k, m in motions.items() if k.startswith("walker/"))


def test_pybullet_getlinkstate_agrees_with_our_forward_kinematics():
    pybullet = pytest.importorskip("pybullet", reason="pybullet's module is needed to compare against")
    client = pybullet.connect(pybullet.DIRECT)
    try:
        body = pybullet.loadURDF(
            str(deepmimic.pybullet_data_dir() / humanoid.URDF), [0, 0, 0], globalScaling=0.25,
            useFixedBase=True, flags=pybullet.URDF_MAINTAIN_LINK_ORDER, physicsClientId=client,
        )  # fmt: skip
        links = {
            pybullet.getJointInfo(body, i, physicsClientId=client)[12].decode(): i
            for i in range(pybullet.getNumJoints(body, physicsClientId=client))
        }
        xyzw = [1, 2, 3, 0]
        worst = 0.0
        for name in ("cartwheel", "getup_faceup", "walker/turn_left1"):
            frames = deepmimic.load_motions([name])[name].frames[::9]
            ours = humanoid.forward_kinematics(frames)
            for k, frame in enumerate(frames):
                pybullet.resetBasePositionAndOrientation(
                    body, frame[1:4], frame[4:8][xyzw], physicsClientId=client
                )
                for joint, dof in deepmimic.JOINT_LAYOUT:
                    value = frame[deepmimic.JOINT_SLICES[joint]]
                    target = value[xyzw] if dof == 4 else value
                    pybullet.resetJointStateMultiDof(body, links[joint], list(target), physicsClientId=client)
                for link, index in links.items():
                    theirs = pybullet.getLinkState(
                        body, index, computeForwardKinematics=True, physicsClientId=client
                    )
                    worst = max(worst, float(np.abs(np.array(theirs[4]) - ours[link][0][k]).max()))
                    rotation = np.array(pybullet.getMatrixFromQuaternion(theirs[5])).reshape(3, 3)
                    worst = max(worst, float(np.abs(rotation - ours[link][1][k]).max()))
        assert len(links) == 15
        assert worst < 1e-5, f"our FK differs from pybullet's by {worst}"
    finally:
        pybullet.disconnect(client)


def test_sampling_at_the_key_frame_times_gives_the_key_frames_back():
    motion = deepmimic.load_motions(["spinkick"])["spinkick"]
    again = deepmimic.sample(motion, motion.times)
    np.testing.assert_allclose(again[:, 1:], motion.frames[:, 1:], atol=1e-12)


def test_resampling_follows_the_clip_in_time_and_keeps_bones_rigid():
    motion = deepmimic.load_motions(["jump"])["jump"]  # 1/60 s key frames
    at30 = deepmimic.resample(motion, 30)
    assert len(at30) == int(np.floor(motion.duration * 30 + 1e-9)) + 1
    # every other key frame of a 60 Hz clip lies on the 30 fps grid (times within 1e-6 s)
    np.testing.assert_allclose(at30[:10, 1:4], motion.frames[:20:2, 1:4], atol=1e-4)
    seq = mocap.sequence(motion, 25)
    for bone, lengths in mocap.bone_lengths_mm(seq.h36m).items():
        assert np.ptp(lengths) < 1e-6, bone


# Humanoid / Human3.6M bone length ratios that this data has (a change in the mapping shows here).
# The humanoid's hip joints are 17 cm apart, H36M's mocap skeleton puts them 27 cm apart; its shoulder
# joints sit 3.5 cm further out from the neck than H36M's. Every other bone is within 15%.
EXPECTED_RATIO = {
    ("pelvis", "right_hip"): (0.6, 0.7), ("pelvis", "left_hip"): (0.6, 0.7),
    ("thorax", "right_shoulder"): (1.15, 1.3), ("thorax", "left_shoulder"): (1.15, 1.3),
}  # fmt: skip


def test_bone_lengths_against_human36m_proportions():
    seq = mocap.sequence(deepmimic.load_motions(["walk"])["walk"], 30)
    lengths = mocap.bone_lengths_mm(seq.h36m)
    assert set(lengths) == set(mocap.H36M_BONES_MM)
    for bone, h36m_mm in mocap.H36M_BONES_MM.items():
        low, high = EXPECTED_RATIO.get(bone, (0.85, 1.15))
        ratio = lengths[bone].mean() / h36m_mm
        assert low <= ratio <= high, f"{bone}: {lengths[bone].mean():.0f} mm vs H36M {h36m_mm} mm"
    # left and right match, and the whole leg is 0.83 m against H36M's 0.90 m
    assert lengths["pelvis", "left_hip"].mean() == pytest.approx(lengths["pelvis", "right_hip"].mean())
    leg = lengths["right_hip", "right_knee"].mean() + lengths["right_knee", "right_ankle"].mean()
    assert 800 < leg < 860


def test_standing_figure_is_upright_in_the_world():
    seq = mocap.sequence(deepmimic.load_motions(["walk"])["walk"], 30)
    y = {name: seq.h36m[:, i, 1] for i, name in enumerate(H36M_JOINTS)}
    assert (y["head_top"] > y["neck_nose"]).all() and (y["neck_nose"] > y["thorax"]).all()
    assert (y["thorax"] > y["spine"]).all() and (y["spine"] > y["pelvis"]).all()
    assert (y["pelvis"] > y["right_knee"]).all() and (y["right_knee"] > y["right_ankle"]).all()
    assert 1.4 < y["head_top"].max() < 1.7  # metres above the floor


def test_a_file_that_is_not_a_humanoid_clip_is_refused_with_the_fix(tmp_path):
    laikago = deepmimic.pybullet_data_dir() / "data" / "motions" / "laikago_walk.txt"
    with pytest.raises(MotionDataError, match=r"humanoid3d_.*walker"):
        deepmimic.read_motion(laikago)
    broken = tmp_path / "broken.txt"
    broken.write_text(json.dumps({"Loop": "wrap"}))
    with pytest.raises(MotionDataError, match=r"not a DeepMimic motion file.*fix"):
        deepmimic.read_motion(broken)
    with pytest.raises(MotionDataError, match=r"no humanoid motion clips.*pip install pybullet==3\.2\.7"):
        deepmimic.motion_files(tmp_path)
    with pytest.raises(MotionDataError, match="unknown motion clip"):
        deepmimic.load_motions(["moonwalk"])
