"""The property names CloudFormation accepts for the types deployed here (from each type's reference
page, e.g. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-function.html).

AWS rejects an unknown property ("Encountered unsupported property X"). Locally a name outside these
lists is a warning, not an error: AWS adds properties over time, and a newer one this list lacks
should not stop a deploy. The warning catches typos such as ``Timout``.
"""

from __future__ import annotations


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


KNOWN_PROPERTIES: dict[str, frozenset[str]] = {
    "AWS::IAM::Role": _names(
        "AssumeRolePolicyDocument Description ManagedPolicyArns MaxSessionDuration Path "
        "PermissionsBoundary Policies RoleName Tags"
    ),
    "AWS::IAM::Policy": _names("Groups PolicyDocument PolicyName Roles Users"),
    "AWS::IAM::ManagedPolicy": _names("Description Groups ManagedPolicyName Path PolicyDocument Roles Users"),
    "AWS::IAM::InstanceProfile": _names("InstanceProfileName Path Roles"),
    "AWS::Lambda::Function": _names(
        "Architectures Code CodeSigningConfigArn DeadLetterConfig Description Environment "
        "EphemeralStorage FileSystemConfigs FunctionName Handler ImageConfig KmsKeyArn Layers "
        "LoggingConfig MemorySize PackageType RecursiveLoop ReservedConcurrentExecutions Role Runtime "
        "RuntimeManagementConfig SnapStart Tags Timeout TracingConfig VpcConfig"
    ),
    "AWS::Lambda::Permission": _names(
        "Action EventSourceToken FunctionName FunctionUrlAuthType InvokedViaFunctionUrl Principal "
        "PrincipalOrgID SourceAccount SourceArn"
    ),
    "AWS::Lambda::Version": _names(
        "CodeSha256 Description FunctionName FunctionScalingConfig ProvisionedConcurrencyConfig RuntimePolicy"
    ),
    "AWS::Lambda::Alias": _names(
        "Description FunctionName FunctionVersion Name ProvisionedConcurrencyConfig RoutingConfig"
    ),
    "AWS::Lambda::EventInvokeConfig": _names(
        "DestinationConfig FunctionName MaximumEventAgeInSeconds MaximumRetryAttempts Qualifier"
    ),
    "AWS::EC2::VPC": _names(
        "CidrBlock EnableDnsHostnames EnableDnsSupport InstanceTenancy Ipv4IpamPoolId Ipv4NetmaskLength Tags"
    ),
    "AWS::EC2::Subnet": _names(
        "AssignIpv6AddressOnCreation AvailabilityZone AvailabilityZoneId CidrBlock EnableDns64 "
        "EnableLniAtDeviceIndex Ipv4IpamPoolId Ipv4NetmaskLength Ipv6CidrBlock Ipv6IpamPoolId "
        "Ipv6Native Ipv6NetmaskLength MapPublicIpOnLaunch OutpostArn PrivateDnsNameOptionsOnLaunch "
        "Tags VpcId"
    ),
    "AWS::EC2::SecurityGroup": _names(
        "GroupDescription GroupName SecurityGroupEgress SecurityGroupIngress Tags VpcId"
    ),
    "AWS::EC2::SecurityGroupIngress": _names(
        "CidrIp CidrIpv6 Description FromPort GroupId GroupName IpProtocol SourcePrefixListId "
        "SourceSecurityGroupId SourceSecurityGroupName SourceSecurityGroupOwnerId ToPort"
    ),
    "AWS::EC2::SecurityGroupEgress": _names(
        "CidrIp CidrIpv6 Description DestinationPrefixListId DestinationSecurityGroupId FromPort "
        "GroupId IpProtocol ToPort"
    ),
    "AWS::EC2::Instance": _names(
        "AdditionalInfo Affinity AvailabilityZone BlockDeviceMappings CpuOptions CreditSpecification "
        "DisableApiTermination EbsOptimized ElasticGpuSpecifications ElasticInferenceAccelerators "
        "EnclaveOptions HibernationOptions HostId HostResourceGroupArn IamInstanceProfile ImageId "
        "InstanceInitiatedShutdownBehavior InstanceType Ipv6AddressCount Ipv6Addresses KernelId "
        "KeyName LaunchTemplate LicenseSpecifications MetadataOptions Monitoring NetworkInterfaces "
        "PlacementGroupName PrivateDnsNameOptions PrivateIpAddress PropagateTagsToVolumeOnCreation "
        "RamdiskId SecurityGroupIds SecurityGroups SourceDestCheck SsmAssociations SubnetId Tags "
        "Tenancy UserData Volumes"
    ),
}
