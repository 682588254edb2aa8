"""Human3.6M data for PoseMamba training and evaluation (MotionBERT's preprocessed file).

    data = open_data("h36m_sh_conf_cam_source_final.pkl")    # converted once, then memory-mapped
    train = ClipDataset(data.train, frames=243, stride=81)    # the original's clips
    test = ClipDataset(data.test, frames=243, stride=243)

`posemamba.data.h36m` reads and checks the file, `clips` slices it as the original, `cache` converts it
into memory-mappable arrays, `synthetic` writes a format fixture.
"""

from posemamba.data.cache import H36MData, Split, open_data
from posemamba.data.dataset import ClipDataset

__all__ = ["ClipDataset", "H36MData", "Split", "open_data"]
