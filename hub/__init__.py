"""gasa: emotion in song lyrics (models, data, recommender); see README.md."""
import logging

__version__ = "0.1.0"  # as pyproject.toml; stamped into the configs of saved gasa models

# bitsandbytes >= 0.50 logs "Failed to load CPU gemm_4bit_forward from kernels-community: No module
# named 'kernels'..." as soon as it is imported (by peft, by transformers' Trainer, by --mode qlora)
# on CPUs with AVX512-BF16 when the optional `kernels` package is absent. Nothing is wrong: its own
# CPU 4-bit kernel is used instead, and `kernels` would only fetch a faster one from the Hub at import
# time (not possible offline). So that one record -- this logger, this message, the module missing --
# is dropped here, where every entry point (training.*, app.py) passes first; anything else
# bitsandbytes logs still shows.
BITSANDBYTES_CPU_LOGGER = "bitsandbytes.backends.cpu.ops"


class _MissingKernelsNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.args[0] if isinstance(record.args, tuple) and record.args else None
        return not (str(record.msg).startswith("Failed to load CPU gemm_4bit_forward from kernels-community")
                    and isinstance(exc, ModuleNotFoundError) and exc.name == "kernels")


def _quiet_missing_kernels_notice() -> None:
    logger = logging.getLogger(BITSANDBYTES_CPU_LOGGER)
    if not any(isinstance(f, _MissingKernelsNotice) for f in logger.filters):
        logger.addFilter(_MissingKernelsNotice())


_quiet_missing_kernels_notice()
