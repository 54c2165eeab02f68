# Terraform's Helm provider (hashicorp/helm 3.x) runs spaces-expose as the release's
# post-renderer. The provider embeds Helm 3's library: binary_path is a path or a name on
# PATH, as with `helm --post-renderer`; no Helm plugin is involved.
terraform {
  required_providers {
    helm = {
      source  = "hashicorp/helm"
      version = "~> 3.0"
    }
  }
}

provider "helm" {
  kubernetes = {
    config_path = "~/.kube/config"
  }
}

resource "helm_release" "spaces" {
  name             = "spaces"
  namespace        = "upbound-system"
  create_namespace = true
  repository       = "oci://xpkg.upbound.io/spaces-artifacts"
  chart            = "spaces"
  version          = "1.16.0"
  values           = [file("${path.module}/values.yaml")]

  # Provider 2.x writes this as a block: postrender { binary_path = … args = […] }
  postrender = {
    binary_path = "spaces-expose"
    args        = ["--cloud=aws", "--controller=envoy-gateway"]
  }
}
