"""Training of the foot-contact classifier (:mod:`core.model.contact_net`): ``python -m training.contacts``."""
