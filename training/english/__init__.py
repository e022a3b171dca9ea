"""The English GoEmotions trainer (``python -m training.train_qlora``), split where its concerns split:

* :mod:`training.english.options` - the one definition of its options (a dataclass read by ``HfArgumentParser``);
* :mod:`training.english.data` - tokenized rows for the ``Trainer`` (reading and sampling: :mod:`training.goemotions`);
* :mod:`training.english.model` - model surgery: the 4-bit base, LoRA, the merged plain classifier, inference;
* :mod:`training.english.trainer` - the loss, optimizer groups and ``transformers.Trainer`` run, evaluation;
* :mod:`training.english.card` - model cards with a ``model-index``;
* :mod:`training.english.saving` - saved folders (safetensors + JSON) and Hub pushes.
"""
