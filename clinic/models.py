"""
The project package has no models of its own. This module exists because
Django sends `post_migrate` only for apps with a models module, and
`clinic.roles` listens for it (see `ClinicConfig.ready`).
"""
